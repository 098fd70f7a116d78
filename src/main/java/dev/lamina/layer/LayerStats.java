package dev.lamina.layer;

/** What one extraction wrote: entries read, content bytes written, whiteouts and opaque directories seen. */
public record LayerStats(long entries, long bytes, long whiteouts, long opaques) {}
