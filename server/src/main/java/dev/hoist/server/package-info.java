/**
 * The composition root: reads configuration, builds the stores, the namespace and its decorators,
 * auth, the accelerator, sync and the registry API, lists the request pipeline's stages, and runs
 * the HTTP server ({@link dev.hoist.server.HoistServer}). Nothing below this package knows it
 * exists.
 */
package dev.hoist.server;
