package dev.lamina.cli;

import java.io.PrintStream;
import java.util.List;

/** Prints rows as left-aligned columns separated by three spaces, as docker's tables look. */
final class Tables {
  private Tables() {}

  static void print(PrintStream out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        b.append(r[i]);
        if (i < cols - 1) {
          b.append(" ".repeat(w[i] - r[i].length() + 3));
        }
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
