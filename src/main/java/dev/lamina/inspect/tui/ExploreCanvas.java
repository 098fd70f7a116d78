package dev.lamina.inspect.tui;

/** Where the view draws: a terminal screen, or a character grid in tests. */
public interface ExploreCanvas {
  /** Colours the view uses (A green, M yellow, R red, as dive). */
  enum Color { DEFAULT, GREEN, YELLOW, RED, CYAN }

  /** How a piece of text looks. */
  record Style(Color color, boolean inverse, boolean bold) {
    static final Style NORMAL = new Style(Color.DEFAULT, false, false);
    static final Style INVERSE = new Style(Color.DEFAULT, true, false);
    static final Style BOLD = new Style(Color.DEFAULT, false, true);

    Style inverted() {
      return new Style(color, true, bold);
    }
  }

  int columns();

  int rows();

  /** Writes {@code text} at (col, row), clipped to the canvas. */
  void text(int col, int row, String text, Style style);
}
