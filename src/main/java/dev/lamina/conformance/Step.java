package dev.lamina.conformance;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One operation of a scenario, executed by {@code fsdriver.py} as a single syscall. {@code expect} is what
 * the scenario claims the kernel answers ("ok" or an errno name, null for no claim); it is checked on the
 * oracle so that a scenario cannot silently test something other than it says.
 */
public record Step(String op, List<Object> args, String expect) {

  public Step {
    args = List.copyOf(args);
  }

  /** A short readable form for failure messages, long names abbreviated. */
  public String label() {
    return op + "(" + args.stream().map(a -> TreeSnapshot.abbreviate(String.valueOf(a)))
        .collect(Collectors.joining(", ")) + ")";
  }
}
