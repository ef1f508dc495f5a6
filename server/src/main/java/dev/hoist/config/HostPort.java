package dev.hoist.config;

/**
 * An address to listen on; {@link Values#hostPort} parses it.
 *
 * @param host a host name or IP address (IPv6 without brackets); {@code 0.0.0.0} for every
 *     interface
 * @param port 0 to 65535; 0 picks a free port
 */
public record HostPort(String host, int port) {}
