/**
 * lamina run: builds a RunPlan from an image config and executes it through a namespace helper (rootless, or as root
 * with every id mapped).
 */
package dev.lamina.run;
