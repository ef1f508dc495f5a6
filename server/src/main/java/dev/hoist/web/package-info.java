/**
 * What every page Hoist renders shares: one look ({@link Layout}, Pico CSS with a few rules of
 * Hoist's own), escaping and human units ({@link Html}), and the static assets served from the jar
 * ({@link Assets}: the WebJars' files and Hoist's own CSS and script; no CDN, no Node build).
 *
 * <p>Pages are rendered on the server as strings; every value that comes from a request, a user or
 * the store goes through {@link Html#esc}. Pages send a Content-Security-Policy that allows scripts
 * only from this origin, so a page has no inline script: behaviour such as copy buttons lives in
 * {@code hoist.js} and is declared with {@code data-} attributes.
 */
package dev.hoist.web;
