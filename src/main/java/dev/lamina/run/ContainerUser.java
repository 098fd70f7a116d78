package dev.lamina.run;

import java.util.ArrayList;
import java.util.List;

/**
 * The user a container process runs as, resolved like runc's GetExecUser: {@code name}, {@code uid},
 * {@code name:group} or {@code uid:gid} against the image's /etc/passwd and /etc/group.
 */
public record ContainerUser(long uid, long gid, List<Long> groups, String home) {
  public static final ContainerUser ROOT = new ContainerUser(0, 0, List.of(), "/root");

  public ContainerUser {
    groups = List.copyOf(groups);
  }

  /**
   * Resolves {@code spec} (null or empty: root). A numeric uid not in passwd is used as is with gid 0; a name not
   * in passwd is an error. Supplementary groups are those listing the user by name, unless a group is given.
   */
  public static ContainerUser resolve(String spec, String passwd, String group) throws RunException {
    String userArg = spec == null ? "" : spec;
    String groupArg = null;
    int colon = userArg.indexOf(':');
    if (colon >= 0) {
      groupArg = userArg.substring(colon + 1);
      userArg = userArg.substring(0, colon);
    }
    Long numericUid = parseId(userArg);
    long uid = 0;
    long gid = 0;
    String home = "/";
    String name = null;
    String[] match = null;
    for (String[] p : entries(passwd, 7)) {
      boolean hit =
          userArg.isEmpty()
              ? p[2].equals("0")
              : p[0].equals(userArg) || (numericUid != null && p[2].equals(userArg));
      if (hit && parseId(p[2]) != null && parseId(p[3]) != null) {
        match = p;
        break;
      }
    }
    if (match != null) {
      name = match[0];
      uid = Long.parseLong(match[2]);
      gid = Long.parseLong(match[3]);
      home = match[5].isEmpty() ? "/" : match[5];
    } else if (numericUid != null) {
      uid = numericUid;
    } else if (!userArg.isEmpty()) {
      throw new RunException(
          "unable to find user " + userArg + ": no matching entry in the image's /etc/passwd"
              + " (use a numeric uid, or a user the image defines)");
    }
    List<Long> groups = new ArrayList<>();
    if (groupArg != null && !groupArg.isEmpty()) {
      Long numericGid = parseId(groupArg);
      Long found = null;
      for (String[] g : entries(group, 4)) {
        if (g[0].equals(groupArg) && parseId(g[2]) != null) {
          found = Long.parseLong(g[2]);
          break;
        }
      }
      if (found == null && numericGid == null) {
        throw new RunException(
            "unable to find group " + groupArg + ": no matching entry in the image's /etc/group");
      }
      gid = found != null ? found : numericGid;
    } else if (name != null) {
      for (String[] g : entries(group, 4)) {
        Long id = parseId(g[2]);
        if (id != null && List.of(g[3].split(",")).contains(name) && !groups.contains(id)) {
          groups.add(id);
        }
      }
    }
    return new ContainerUser(uid, gid, groups, home);
  }

  private static Long parseId(String s) {
    if (s == null || s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 10) {
      return null;
    }
    long v = Long.parseLong(s);
    return v <= 0xFFFFFFFEL ? v : null;
  }

  private static List<String[]> entries(String file, int fields) {
    List<String[]> out = new ArrayList<>();
    if (file == null) {
      return out;
    }
    for (String line : file.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(":", -1);
      if (f.length >= fields) {
        out.add(f);
      }
    }
    return out;
  }
}
