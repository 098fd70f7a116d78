/**
 * The interactive layer explorer ({@code lamina explore}): a dive-like two-panel terminal UI on Lanterna. The state
 * and its key actions ({@link dev.lamina.inspect.tui.ExploreModel}) and the drawing into a character grid
 * ({@link dev.lamina.inspect.tui.ExploreView}) are plain Java, tested without a terminal.
 */
package dev.lamina.inspect.tui;
