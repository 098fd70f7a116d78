package dev.lamina.union;

import dev.lamina.sys.HostFs;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link HostFs} that forwards every call to a real one and counts the calls per method, to measure how many
 * host system calls an overlay operation costs (each HostFs method is one syscall, except listdir/readdir).
 */
final class CountingHostFs {
  private final HostFs real;
  private final HostFs proxy;
  private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

  CountingHostFs(HostFs real) {
    this.real = real;
    InvocationHandler h = (p, m, args) -> {
      if (m.getDeclaringClass() != Object.class) {
        counts.computeIfAbsent(m.getName(), k -> new LongAdder()).increment();
      }
      try {
        return m.invoke(this.real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    this.proxy = (HostFs) Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class}, h);
  }

  /** The counting HostFs to hand to the union. */
  HostFs fs() {
    return proxy;
  }

  void reset() {
    counts.clear();
  }

  /** Calls per method since the last reset, by name (geteuid/getegid left out: they never reach the kernel twice). */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> {
      if (!k.equals("geteuid") && !k.equals("getegid")) {
        out.put(k, v.sum());
      }
    });
    return out;
  }

  long total() {
    return snapshot().values().stream().mapToLong(Long::longValue).sum();
  }

  long of(String method) {
    LongAdder a = counts.get(method);
    return a == null ? 0 : a.sum();
  }
}
