/**
 * The composition root: reads configuration, builds the stores and the registry API, and runs the
 * HTTP server. Nothing below this package knows it exists.
 */
package dev.hoist.server;
