/** The {@code hoist} command line. */
package dev.hoist.cli;
