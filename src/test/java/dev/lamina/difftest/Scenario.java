package dev.lamina.difftest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A named script of filesystem operations, run on every target over fresh copies of the fixture layers;
 * {@code features} are kernel overlay options every target is mounted with (e.g. {@code redirect_dir=on}),
 * empty for the defaults of {@link KernelOverlay#OPTIONS}.
 */
record Scenario(String name, String description, List<Step> steps, String features) {

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
    private String features = "";

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

    /** Mounts every target with these kernel overlay options (comma-separated key=value). */
    Builder features(String options) {
      features = options;
      return this;
    }

    Scenario build() {
      return new Scenario(name, description, steps, features);
    }
  }
}
