/**
 * The {@code hoist} client commands (picocli): a thin layer over {@code dev.hoist.client} and the
 * local image store ({@code dev.hoist.images}). The server-side commands and the {@code main} are
 * in {@code dev.hoist.app}, the only place that knows the server.
 */
package dev.hoist.cli;
