/** picocli commands: parse, wire, print; no logic. May use every other package. */
package dev.lamina.cli;
