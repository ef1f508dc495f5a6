package dev.hoist.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * Columns as the Docker CLI aligns them (Go's {@code tabwriter} with minimum width 10 and padding
 * 3): every column but the last is as wide as its widest cell plus 3, and at least 10.
 */
final class Table {
  private static final int MIN_WIDTH = 10;
  private static final int PADDING = 3;

  private Table() {}

  static void print(PrintWriter out, List<List<String>> rows) {
    out.print(format(rows));
  }

  static String format(List<List<String>> rows) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < row.size() - 1; c++) {
        width[c] = Math.max(width[c], Math.max(MIN_WIDTH, row.get(c).length() + PADDING));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      for (int c = 0; c < row.size(); c++) {
        String cell = row.get(c);
        sb.append(cell);
        if (c < row.size() - 1) {
          sb.append(" ".repeat(width[c] - cell.length()));
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
