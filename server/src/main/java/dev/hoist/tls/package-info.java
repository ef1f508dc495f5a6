/**
 * HTTPS for the server: {@link dev.hoist.tls.TlsConfig} (the {@code tls} section), {@link
 * dev.hoist.tls.ServerCertificate} (a PEM certificate chain and key, read and checked to belong
 * together) and {@link dev.hoist.tls.CertificateReloader} (serves a changed pair to new connections
 * without a restart, keeping the last good one when the new one is bad). The composition root turns
 * TLS on in the HTTP server's options and owns the reloader's timer.
 */
@NullMarked
package dev.hoist.tls;

import org.jspecify.annotations.NullMarked;
