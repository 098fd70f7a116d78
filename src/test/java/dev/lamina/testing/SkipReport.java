package dev.lamina.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints every skipped test with its reason on the console as it happens, and a count of the skips by reason
 * when the run ends: an assumption that failed (root, FUSE, a tool or a locale missing), a {@code @Disabled} or a
 * condition. A skipped class counts each of its tests. Registered for surefire and failsafe through
 * META-INF/services; with {@code -Dlamina.skips.file=FILE} (set in pom.xml) it also writes one line per skip,
 * {@code reason TAB test TAB count}, which scripts/test sums up after Maven has finished.
 */
public final class SkipReport implements TestExecutionListener {
  /** Printed first on each line, so that the lines can be found in a long log. */
  static final String TAG = "[SKIPPED]";

  private final List<Skip> skips = new ArrayList<>();
  private TestPlan plan;

  /** One skipped test or container: its display path, the reason, and how many tests it held. */
  record Skip(String test, String reason, long tests) {}

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    plan = testPlan;
    skips.clear();
  }

  @Override
  public void executionSkipped(TestIdentifier id, String reason) {
    record(id, reason == null || reason.isBlank() ? "disabled" : reason);
  }

  @Override
  public void executionFinished(TestIdentifier id, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      String reason = result.getThrowable().map(SkipReport::reasonOf).orElse("aborted");
      record(id, reason);
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    PrintStream out = System.out;
    out.println(summary(skips));
    out.flush();
    String file = System.getProperty("lamina.skips.file");
    if (file != null && !file.isBlank()) {
      StringBuilder sb = new StringBuilder();
      for (Skip s : skips) {
        sb.append(category(s.reason())).append('\t').append(oneLine(s.reason())).append('\t').append(s.test())
            .append('\t').append(s.tests()).append('\n');
      }
      try {
        Path p = Path.of(file);
        if (p.getParent() != null) {
          Files.createDirectories(p.getParent());
        }
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        out.println(TAG + " could not write " + file + ": " + e);
      }
    }
  }

  private void record(TestIdentifier id, String reason) {
    long tests = id.isTest() ? 1 : countTests(id);
    if (tests == 0 && !id.isTest()) {
      tests = 1; // a container whose tests are only known at run time (a @TestFactory, a parameterized test)
    }
    Skip s = new Skip(name(id), oneLine(reason), tests);
    skips.add(s);
    System.out.println(TAG + " " + s.test() + (tests > 1 ? " (" + tests + " tests)" : "") + ": " + s.reason());
    System.out.flush();
  }

  private long countTests(TestIdentifier id) {
    if (plan == null) {
      return 0;
    }
    return plan.getDescendants(id).stream().filter(TestIdentifier::isTest).count();
  }

  /** {@code Class.method} or {@code Class}, with the display name of a parameterized or dynamic test. */
  private String name(TestIdentifier id) {
    var source = id.getSource().orElse(null);
    if (source instanceof MethodSource m) {
      String cls = simple(m.getClassName());
      String display = id.getDisplayName();
      String method = m.getMethodName();
      return display.startsWith(method) ? cls + "." + display : cls + "." + method + " " + display;
    }
    if (source instanceof ClassSource c) {
      return simple(c.getClassName());
    }
    String parent = plan == null ? null
        : plan.getParent(id).map(this::name).orElse(null);
    return parent == null ? id.getDisplayName() : parent + " " + id.getDisplayName();
  }

  private static String simple(String className) {
    int dot = className.lastIndexOf('.');
    return dot < 0 ? className : className.substring(dot + 1);
  }

  static String reasonOf(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    return m.startsWith("Assumption failed: ") ? m.substring("Assumption failed: ".length()) : m;
  }

  /**
   * What a skip needs, from its reason's words: root (or a capability only root has), FUSE, a locale, the
   * network, a tool; "other" when none of them is named.
   */
  static String category(String reason) {
    // options and paths that merely contain the word (buildah --root DIR, /root/...) say nothing about privileges
    String r = reason.toLowerCase(java.util.Locale.ROOT).replaceAll("--?root\\S*|/root\\S*", "");
    if (r.matches(".*\\broot\\b.*") || r.contains("cap_sys_admin") || r.contains("privilege")) {
      return "root";
    }
    if (r.contains("fuse")) {
      return "FUSE";
    }
    if (r.contains("locale") || r.contains("utf-8")) {
      return "locale";
    }
    if (r.contains("mirror") || r.contains("network") || r.contains("reachable")) {
      return "network";
    }
    if (r.contains("installed") || r.contains("missing") || r.contains("needed") || r.contains("needs ")
        || r.contains("cannot run") || r.contains("cannot make") || r.contains("failed")) {
      return "tool";
    }
    return "other";
  }

  /** "need root", "need a tool", ... for the summary. */
  static String phrase(String category) {
    return switch (category) {
      case "tool" -> "need a tool";
      case "locale" -> "need a locale";
      case "network" -> "need the network";
      case "other" -> "for other reasons";
      default -> "need " + category;
    };
  }

  static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").replace('\t', ' ').strip();
  }

  /** The closing block: how many tests skipped, and for each reason how many and which. */
  static String summary(List<Skip> skips) {
    long total = skips.stream().mapToLong(Skip::tests).sum();
    if (total == 0) {
      return TAG + " no test skipped";
    }
    Map<String, List<Skip>> byReason = skips.stream()
        .collect(Collectors.groupingBy(Skip::reason, TreeMap::new, Collectors.toList()));
    StringBuilder sb = new StringBuilder();
    Map<String, Long> byCategory = skips.stream()
        .collect(Collectors.groupingBy(k -> category(k.reason()), TreeMap::new, Collectors.summingLong(Skip::tests)));
    sb.append(TAG).append(' ').append(total).append(total == 1 ? " test" : " tests").append(" skipped (")
        .append(byCategory.entrySet().stream().map(e -> e.getValue() + " " + phrase(e.getKey()))
            .collect(Collectors.joining(", ")))
        .append("), by reason:");
    byReason.entrySet().stream()
        .sorted((a, b) -> Long.compare(count(b.getValue()), count(a.getValue())))
        .forEach(e -> {
          sb.append('\n').append(String.format("%5d  %s", count(e.getValue()), e.getKey()));
          String which = e.getValue().stream().map(Skip::test).distinct().limit(6).collect(Collectors.joining(", "));
          long distinct = e.getValue().stream().map(Skip::test).distinct().count();
          sb.append("\n       (").append(which).append(distinct > 6 ? ", ... " + (distinct - 6) + " more" : "")
              .append(')');
        });
    return sb.toString();
  }

  private static long count(List<Skip> l) {
    return l.stream().mapToLong(Skip::tests).sum();
  }
}
