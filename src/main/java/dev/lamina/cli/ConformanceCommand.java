package dev.lamina.cli;

import dev.lamina.conformance.Conformance;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Report;
import dev.lamina.conformance.RunMode;
import dev.lamina.conformance.ScenarioFormat;
import dev.lamina.conformance.ScenarioLibrary;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.TemplateOverlay;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lamina conformance}: overlay semantics of several implementations, side by side (one engine). */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description = {
      "Run overlay scenarios on several overlay implementations over fresh copies of the same lower layers and",
      "compare each with a reference (kernel overlayfs by default): each step's result with its errno, the",
      "merged tree (type, mode, owner, size, content digest, link target, user.* xattrs, mtime, names), the",
      "upper dir, and the upper dir re-read by the kernel as a lower layer (on-disk format compatibility).",
      "Prints a matrix (a row per scenario, a column per target: same, differs, failed), a summary, then what",
      "differed in a few lines per cell; exit 0 when every target matches the reference, 1 when one differs or",
      "fails, 2 on bad input. Progress goes to stderr, one line per scenario.",
      "Targets: kernel (mount -t overlay; rootless inside `unshare -Urm` with userxattr), lamina (this jar's",
      "`lamina mount`), fuse-overlayfs, or any command that mounts and returns: 'CMD {opts} {mnt}' or",
      "'NAME=CMD {opts} {mnt}', where {opts} becomes lowerdir=..,upperdir=..,workdir=.. and {mnt} the mount",
      "point; it is unmounted with fusermount3 -u, else umount.",
      "Root or rootless: as root the kernel overlay is mounted directly and the layers' opaque markers are",
      "trusted.overlay.opaque; as an ordinary user (or with --rootless) every scenario runs inside user",
      "namespaces (unshare -Ur; kernel overlayfs with userxattr, Linux 5.11+) with user.overlay.opaque markers,",
      "and layer chown steps must stay within the ids such a namespace maps (the built-in ones are skipped there).",
      "The report's first line says which mode ran.",
      "Scenario files (--scenarios FILE; the built-in ones are in lamina's jar under",
      "dev/lamina/conformance/scenarios, listed by --list) are lines of text. 'scenario NAME: description' starts",
      "a scenario; each following line is one step: an operation and its arguments, optionally '=> ok' or",
      "'=> ERRNO' (e.g. => ENOENT), a claim checked on the reference. 'layer NAME' starts a lower layer, built",
      "with the same operations (layers are listed bottom first; a file without layers uses the built-in",
      "fixture). '#' starts a comment line.",
      "Arguments: words; numbers (no leading zero: modes like 0640 stay words); true/false; \"quoted strings\"",
      "with \\n \\t \\\" \\\\; lists [a b]; maps {pattern 1048576 seed 1} (deterministic data of that size);",
      "sub-steps (unlink d/x) for operations that take steps; <x*N> inside a word is N copies of x.",
      "Operations on paths relative to the mount: create PATH DATA [MODE] (O_EXCL), writefile PATH DATA,",
      "pwrite PATH DATA OFFSET, append PATH DATA, read PATH, truncate PATH SIZE, chmod PATH MODE, chown PATH",
      "UID GID (-1 keeps one), lchown, utimens PATH ATIME_NS MTIME_NS [FOLLOW], rename FROM TO [FLAGS: 1",
      "NOREPLACE, 2 EXCHANGE], link FROM TO, symlink TARGET PATH, readlink, unlink, rmdir, mkdir PATH [MODE],",
      "mkfifo PATH MODE, mknod PATH chr|blk MAJOR MINOR MODE, setxattr PATH NAME VALUE [FLAGS: 1 CREATE, 2",
      "REPLACE], getxattr, listxattr, removexattr, stat, lstat, stattimes, statxmode (statx asking for the mode",
      "only), listdir, access, umask MODE,",
      "setdefacl PATH [[u 7] [g 5] [o 4]], setacl PATH [..] (the access ACL), acl PATH, chdir PATH,",
      "longpath DIRS NAMELEN.",
      "File handles: open H PATH [O_RDWR O_TRUNC ...] [MODE], fread H, fwrite H DATA OFFSET, ftruncate H SIZE,",
      "fstat H, fchmod H MODE, fallocate H MODE OFFSET LEN, fsync H, close H (open, unlink, fstat: a file",
      "unlinked while open). Inodes: saveino PATH KEY, sameino PATH KEY, sameinoas P1 P2, statall [P1 P2 ...]",
      "(which attributes differ between names of one inode). Directories: readdir_seek PATH BUFSIZE (seek back",
      "to a saved d_off and to 0), readdir_during_changes PATH BUFSIZE [(create ..) (unlink ..)]. Concurrency:",
      "parallel [(op ..) ...], parallel_append PATH THREADS WRITES. Another caller: as UID GID [GROUPS]",
      "[(op ..) ...] runs the steps in a child process with those ids (as root). Others: sparse PATH.",
      "Layer-only operations: whiteout PATH (a 0/0 character device), wh_file PATH (.wh.NAME), opaque DIR",
      "(the overlay opaque xattr of the mode), opaque_wh DIR (.wh..wh..opq), settimes_all NS (every entry's",
      "atime and mtime); owners with chown, xattrs with setxattr, hard links with link.",
      "Differences every implementation may have (directory st_size and nlink, ctime, st_blocks, absolute inode",
      "numbers, readdir order, the work dir) are not compared; see the README's lamina conformance section."
    })
public final class ConformanceCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--target", paramLabel = "TARGET",
      description = "Targets to compare with the reference, comma-separated or repeated: kernel, lamina,"
          + " fuse-overlayfs, or '[NAME=]CMD {opts} {mnt}' (one per --target; default: lamina).")
  List<String> targets = new ArrayList<>();

  @Option(names = "--reference", paramLabel = "TARGET",
      description = "The target the others are compared with (default: kernel).")
  String reference = "kernel";

  @Option(names = "--scenario", paramLabel = "GLOB",
      description = "Run only scenarios whose name matches one of these comma-separated globs (e.g. 'rename_*').")
  String scenarioGlob;

  @Option(names = "--scenarios", paramLabel = "FILE",
      description = "A scenario file to add to the built-in ones (repeatable).")
  List<Path> scenarioFiles = new ArrayList<>();

  @Option(names = "--no-builtin", description = "Run only the scenarios of --scenarios files.")
  boolean noBuiltin;

  @Option(names = "--kernel-options", paramLabel = "OPTS",
      description = "Mount options for kernel overlayfs that add to or override the defaults"
          + " redirect_dir=off,index=off,nfs_export=off,metacopy=off,xino=off (e.g. redirect_dir=on).")
  String kernelOptions = "";

  @Option(names = "--rootless", description = "Run in the rootless mode even as root (as an ordinary user it is"
      + " the only mode).")
  boolean rootless;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the whole report, every difference"
      + " included, as JSON to FILE.")
  Path json;

  @Option(names = "--keep", description = "Keep every scenario's layers, upper, work and mount dirs (their"
      + " location is printed).")
  boolean keep;

  @Option(names = "--list", description = "List the scenarios that would run, with their descriptions, and exit.")
  boolean list;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<ScenarioLibrary.Entry> entries = new ArrayList<>();
    try {
      if (!noBuiltin) {
        entries.addAll(ScenarioLibrary.builtIn());
      }
      for (Path f : scenarioFiles) {
        entries.addAll(ScenarioLibrary.load(f));
      }
    } catch (ScenarioFormat.FormatException e) {
      throw new UserError("bad scenario file: " + e.getMessage());
    } catch (IOException e) {
      throw new UserError(e.getMessage());
    }
    Set<String> names = new LinkedHashSet<>();
    for (ScenarioLibrary.Entry e : entries) {
      if (!names.add(e.scenario().name())) {
        throw new UserError("scenario " + e.scenario().name() + " of " + e.origin() + " has the name of another"
            + " scenario; rename it");
      }
    }
    entries = ScenarioLibrary.select(entries, scenarioGlob);
    if (entries.isEmpty()) {
      throw new UserError("no scenario matches --scenario " + scenarioGlob + " (see --list)");
    }
    if (list) {
      int w = entries.stream().mapToInt(e -> e.scenario().name().length()).max().orElse(0);
      for (ScenarioLibrary.Entry e : entries) {
        out.println(String.format("%-" + w + "s  %s", e.scenario().name(), e.scenario().description()));
      }
      out.println(entries.size() + " scenarios");
      out.flush();
      return 0;
    }
    RunMode mode = rootless || !Shell.isRoot() ? new RunMode(true) : new RunMode(false);
    if (!Shell.onPath("python3") && !Files.isExecutable(Path.of(FsDriver.python()))) {
      throw new UserError("lamina conformance needs python3 (it runs each step as one syscall from python)");
    }
    List<String> targetSpecs = new ArrayList<>();
    for (String t : targets) {
      // a command template may hold commas ({opts},redirect_dir=on): split only lists of names
      targetSpecs.addAll(t.contains("{mnt}") ? List.of(t) : List.of(t.split(",")));
    }
    if (targetSpecs.isEmpty()) {
      targetSpecs.add("lamina");
    }
    OverlayTarget ref = target(reference, mode);
    List<OverlayTarget> ts = new ArrayList<>();
    for (String t : targetSpecs) {
      if (!t.equals(reference)) {
        ts.add(target(t, mode));
      }
    }
    for (OverlayTarget t : concat(ref, ts)) {
      String why = t.unavailableReason();
      if (why != null) {
        throw new UserError("target " + t.name() + " cannot run here: " + why, 2);
      }
    }
    Path work = Files.createTempDirectory("lamina-conformance-");
    if (mode.rootless()) {
      // the namespaces' root must be able to enter it; Files.createTempDirectory makes it 0700 for us already
      work.toFile().setExecutable(true, true);
    }
    Conformance engine = new Conformance(ref, ts, mode, work, keep);
    String header = "lamina conformance: " + entries.size() + " scenarios; reference " + ref.name()
        + (ref instanceof KernelOverlay k ? " (-o " + k.options() + ")" : "") + "; targets "
        + String.join(", ", ts.stream().map(OverlayTarget::name).toList()) + "\nmode " + mode.describe();
    err.println(header);
    err.flush();
    List<Conformance.Row> rows = new ArrayList<>();
    try {
      for (ScenarioLibrary.Entry e : entries) {
        Conformance.Row row = engine.run(e);
        rows.add(row);
        err.println(Report.progress(rows.size(), entries.size(), row));
        err.flush();
      }
    } catch (IOException e) {
      throw new UserError("could not build the layers of the scenarios: " + e.getMessage()
          + (keep ? "" : "\n(run with --keep to look at " + work + ")"), 2);
    } finally {
      if (keep) {
        err.println("lamina conformance: kept the scenarios' directories under " + work);
      } else {
        Shell.run("rm", "-rf", work.toString());
      }
    }
    String notes = engine.notes().isEmpty() ? "" : "\n" + String.join("\n", engine.notes());
    Report report = new Report(ref.name(), ts.stream().map(OverlayTarget::name).toList(), header + notes, rows);
    out.print(report.text());
    out.flush();
    if (json != null) {
      FsDriver.JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report.json());
      err.println("lamina conformance: wrote " + json);
    }
    return report.exitCode();
  }

  private static List<OverlayTarget> concat(OverlayTarget a, List<OverlayTarget> b) {
    List<OverlayTarget> all = new ArrayList<>(List.of(a));
    all.addAll(b);
    return all;
  }

  OverlayTarget target(String spec, RunMode mode) {
    String s = spec.strip();
    switch (s) {
      case "kernel":
        return new KernelOverlay(kernelOptions, mode);
      case "lamina":
        return FuseOverlay.of("lamina", laminaCommand());
      case "fuse-overlayfs":
        return FuseOverlay.fuseOverlayfs();
      default:
        if (!s.contains("{mnt}")) {
          throw new UserError("unknown target '" + s + "': give kernel, lamina, fuse-overlayfs or a command with"
              + " {opts} and {mnt}, like 'my-overlay -o {opts} {mnt}'");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z0-9_.-]+)=(.*)").matcher(s);
        if (m.matches() && m.group(2).contains("{mnt}")) {
          return new TemplateOverlay(m.group(1), m.group(2));
        }
        return new TemplateOverlay(s);
    }
  }

  /** This JVM running this jar's {@code lamina mount} (the same code as the launcher's). */
  static List<String> laminaCommand() {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return List.of(java, "-XX:+UseSerialGC", "-Xss1m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "mount");
  }
}
