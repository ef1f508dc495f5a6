/**
 * The web pages under {@code /ui/}: the "ui" pipeline stage and its router ({@link UiStage}, a list
 * of {@link PageRoute}s by path prefix), the registry browser, and the pages' sign-in ({@link
 * UiSessions}, sessions kept in the metadata store so that they work on every node and survive
 * restarts). Pages see the registry's content through the metadata store and the local namespace,
 * and decide what a viewer may read with the same policy as the token service ({@link
 * ViewerAccess}).
 *
 * <p>The mirror dashboard ({@code /ui/mirror}) and the sync page ({@code /ui/sync}) are two routes
 * of the same router ({@link StatusPages}): the dashboard reads the meters {@code /metrics} exports
 * (and the circuit breakers behind them), never a second count; the sync page calls the same
 * service methods as the sync API.
 */
package dev.hoist.ui;
