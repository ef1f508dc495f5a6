/**
 * The {@code hoist} command as shipped: its {@code main}, and the server-side commands ({@code
 * serve}, {@code fsck} of a stopped server's data directory; later the offline {@code gc}), the
 * only commands that use the server. The client commands live in {@code dev.hoist.cli} and never
 * touch it.
 */
package dev.hoist.app;
