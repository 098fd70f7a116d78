package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * Pairs layers with the config's history: entries marked {@code empty_layer} (ENV, CMD, ...) have no tar, so the
 * n-th layer belongs to the n-th non-empty entry. History is optional; missing entries give "".
 */
public final class LayerHistory {
  private LayerHistory() {}

  /** One history item: its created_by and whether it made no layer. */
  public record Item(String createdBy, boolean emptyLayer) {}

  /** The created_by of each of {@code layerCount} layers, bottom first. */
  public static List<String> createdBy(List<Item> history, int layerCount) {
    List<String> out = new ArrayList<>(layerCount);
    for (Item h : history) {
      if (!h.emptyLayer() && out.size() < layerCount) {
        out.add(h.createdBy() == null ? "" : h.createdBy());
      }
    }
    while (out.size() < layerCount) {
      out.add("");
    }
    return out;
  }
}
