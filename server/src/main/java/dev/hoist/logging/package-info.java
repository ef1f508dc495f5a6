/**
 * What Hoist writes about itself: the access log (one line per request, written off the event loop:
 * {@link dev.hoist.logging.AccessLog}) and the logging settings ({@link
 * dev.hoist.logging.LogConfig}), which the {@code hoist} command applies to its logging backend;
 * the server itself only speaks SLF4J.
 *
 * <p>Nothing here writes a credential: the access log has the path without its query string (but
 * for a few parameters known to be harmless), the user's name and never a header that carries a
 * secret; every value an attacker chooses is escaped, so that no request can forge a line.
 */
@NullMarked
package dev.hoist.logging;

import org.jspecify.annotations.NullMarked;
