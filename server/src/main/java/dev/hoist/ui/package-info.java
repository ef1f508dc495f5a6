/**
 * Hoist's pages under {@code /ui/}. This part: the mirror dashboard ({@code /ui/mirror}: hit ratio,
 * bytes saved, upstreams' health and circuits, fills, the cache against its limit, refreshed with
 * htmx) and the sync page ({@code /ui/sync}: rules, runs, "Run now" for admins), answered by the
 * "status pages" stage ({@link StatusPages}).
 *
 * <p>The dashboard reads the meters {@code /metrics} exports (and the circuit breakers behind
 * them), never a second count; the sync page calls the same service methods as the sync API. Pages
 * are strings built with {@link dev.hoist.web.Layout}; every outside value goes through {@link
 * dev.hoist.web.Html#esc}.
 */
package dev.hoist.ui;
