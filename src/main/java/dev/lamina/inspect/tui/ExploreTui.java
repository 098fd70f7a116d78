package dev.lamina.inspect.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import com.googlecode.lanterna.terminal.ansi.UnixTerminal;
import dev.lamina.inspect.LayerAnalysis;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Runs the explorer on the controlling terminal with Lanterna: private screen mode, raw keys (Ctrl-C is a key that
 * quits, so the terminal is always restored by {@link Screen#stopScreen()}), redraw after every key and resize.
 */
public final class ExploreTui {
  private ExploreTui() {}

  /** Shows the explorer until the user quits. */
  public static void run(LayerAnalysis analysis) throws IOException {
    Charset cs = terminalCharset();
    UnixTerminal terminal = new UnixTerminal(System.in, System.out, cs, UnixLikeTerminal.CtrlCBehaviour.TRAP);
    Screen screen = new TerminalScreen(terminal);
    ExploreModel model = new ExploreModel(analysis, !cs.equals(StandardCharsets.UTF_8));
    screen.startScreen();
    try {
      screen.setCursorPosition(null);
      while (!model.quit()) {
        TerminalSize size = screen.doResizeIfNecessary();
        if (size == null) {
          size = screen.getTerminalSize();
        } else {
          screen.clear();
        }
        model.setPageRows(ExploreView.pageRows(size.getRows()));
        ExploreView.draw(model, new ScreenCanvas(screen.newTextGraphics(), size));
        screen.refresh();
        KeyStroke k = screen.pollInput();
        if (k == null) {
          k = screen.readInput();
        }
        if (k != null) {
          onKey(model, k);
        }
      }
    } finally {
      screen.stopScreen();
    }
  }

  private static void onKey(ExploreModel m, KeyStroke k) {
    KeyType t = k.getKeyType();
    if (t == KeyType.EOF) {
      m.onKey(ExploreModel.Key.QUIT, '\0');
      return;
    }
    if (t == KeyType.Character && k.isCtrlDown()) {
      char ch = Character.toLowerCase(k.getCharacter());
      if (ch == 'c' || ch == 'd') {
        m.onKey(ExploreModel.Key.QUIT, '\0');
      }
      return;
    }
    switch (t) {
      case ArrowUp -> m.onKey(ExploreModel.Key.UP, '\0');
      case ArrowDown -> m.onKey(ExploreModel.Key.DOWN, '\0');
      case ArrowLeft -> m.onKey(ExploreModel.Key.LEFT, '\0');
      case ArrowRight -> m.onKey(ExploreModel.Key.RIGHT, '\0');
      case PageUp -> m.onKey(ExploreModel.Key.PAGE_UP, '\0');
      case PageDown -> m.onKey(ExploreModel.Key.PAGE_DOWN, '\0');
      case Home -> m.onKey(ExploreModel.Key.HOME, '\0');
      case End -> m.onKey(ExploreModel.Key.END, '\0');
      case Tab, ReverseTab -> m.onKey(ExploreModel.Key.TAB, '\0');
      case Enter -> m.onKey(ExploreModel.Key.ENTER, '\0');
      case Escape -> m.onKey(ExploreModel.Key.ESCAPE, '\0');
      case Backspace -> m.onKey(ExploreModel.Key.BACKSPACE, '\0');
      case Character -> m.onKey(ExploreModel.Key.CHAR, k.getCharacter());
      default -> { }
    }
  }

  /** UTF-8 unless the locale names another charset (box-drawing glyphs then fall back to ASCII). */
  private static Charset terminalCharset() {
    for (String var : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
      String v = System.getenv(var);
      if (v != null && !v.isEmpty()) {
        String u = v.toUpperCase(Locale.ROOT);
        return u.contains("UTF-8") || u.contains("UTF8") ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII;
      }
    }
    return StandardCharsets.UTF_8;
  }

  /** Draws on a Lanterna screen. */
  private static final class ScreenCanvas implements ExploreCanvas {
    private final TextGraphics g;
    private final TerminalSize size;

    ScreenCanvas(TextGraphics g, TerminalSize size) {
      this.g = g;
      this.size = size;
    }

    @Override
    public int columns() {
      return size.getColumns();
    }

    @Override
    public int rows() {
      return size.getRows();
    }

    @Override
    public void text(int col, int row, String text, Style style) {
      if (row < 0 || row >= size.getRows() || col >= size.getColumns()) {
        return;
      }
      String clipped = text.length() > size.getColumns() - col ? text.substring(0, size.getColumns() - col) : text;
      g.setForegroundColor(switch (style.color()) {
        case GREEN -> TextColor.ANSI.GREEN;
        case YELLOW -> TextColor.ANSI.YELLOW;
        case RED -> TextColor.ANSI.RED;
        case CYAN -> TextColor.ANSI.CYAN;
        case DEFAULT -> TextColor.ANSI.DEFAULT;
      });
      g.setBackgroundColor(TextColor.ANSI.DEFAULT);
      g.clearModifiers();
      if (style.inverse()) {
        g.enableModifiers(SGR.REVERSE);
      }
      if (style.bold()) {
        g.enableModifiers(SGR.BOLD);
      }
      g.putString(col, row, clipped);
    }
  }
}
