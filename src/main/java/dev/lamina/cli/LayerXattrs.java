package dev.lamina.cli;

import dev.lamina.inspect.LayerDirScanner;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Fcntl;
import dev.lamina.sys.HostFs;

/** Reads xattrs in any namespace for the layer analysis (trusted.overlay.opaque needs the native call). */
final class LayerXattrs {
  private LayerXattrs() {}

  static LayerDirScanner.Xattrs host() {
    HostFs fs = HostFs.get();
    return (p, attr) -> {
      try {
        return fs.lgetxattr(Fcntl.AT_FDCWD, p.toString(), attr);
      } catch (ErrnoException e) {
        return null; // not supported here, or not permitted (trusted.* without root): treat as absent
      }
    };
  }
}
