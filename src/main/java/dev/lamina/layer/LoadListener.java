package dev.lamina.layer;

/** Hears about a load's progress (for the progress bar); every method has a no-op default. */
public interface LoadListener {
  LoadListener NONE = new LoadListener() {};

  /** Layer {@code index} of {@code count} starts; {@code blobSize} is its (compressed) size, -1 if unknown. */
  default void layerStarted(int index, int count, String diffId, long blobSize) {}

  /** The layer has consumed {@code blobBytes} of its blob and written {@code contentBytes} so far. */
  default void layerProgress(long blobBytes, long contentBytes) {}

  /** The layer is in the store; {@code cached} when it was there already (or used in place). */
  default void layerDone(int index, boolean cached) {}

  default void finished() {}
}
