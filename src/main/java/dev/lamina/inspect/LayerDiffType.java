package dev.lamina.inspect;

/** How a path of a layer relates to the layers below it (dive's DiffType). */
public enum LayerDiffType {
  ADDED('A'), MODIFIED('M'), REMOVED('R'), UNMODIFIED(' ');

  private final char mark;

  LayerDiffType(char mark) {
    this.mark = mark;
  }

  /** The one-letter mark shown in listings. */
  public char mark() {
    return mark;
  }
}
