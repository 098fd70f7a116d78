/** Rootless run: builds a RunPlan from an image config and executes it through a namespace helper. */
package dev.lamina.run;
