package dev.lamina.difftest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A named script of filesystem operations, run on every target over fresh copies of the fixture layers;
 * {@code mountOptions} (comma-separated, "" for none) are added to every target's mount options.
 */
record Scenario(String name, String description, List<Step> steps, String mountOptions) {

  Scenario {
    steps = List.copyOf(steps);
  }

  Scenario(String name, String description, List<Step> steps) {
    this(name, description, steps, "");
  }

  @Override
  public String toString() {
    return name;
  }

  static Builder named(String name, String description) {
    return new Builder(name, description);
  }

  /** Fluent construction: {@code named("x", "...").op("unlink", "a").expect("ok").build()}. */
  static final class Builder {
    private final String name;
    private final String description;
    private final List<Step> steps = new ArrayList<>();
    private String mountOptions = "";

    private Builder(String name, String description) {
      this.name = name;
      this.description = description;
    }

    Builder op(String op, Object... args) {
      steps.add(new Step(op, Arrays.asList(args), null));
      return this;
    }

    /** Claims the kernel's answer to the previous step: "ok" or an errno name. */
    Builder expect(String outcome) {
      Step last = steps.remove(steps.size() - 1);
      steps.add(new Step(last.op(), last.args(), outcome));
      return this;
    }

    /** Mount options for every target (e.g. "strictatime"). */
    Builder mountOptions(String options) {
      this.mountOptions = options;
      return this;
    }

    Scenario build() {
      return new Scenario(name, description, steps, mountOptions);
    }
  }
}
