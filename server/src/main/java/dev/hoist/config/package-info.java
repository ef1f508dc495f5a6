/**
 * Reading configuration: {@link dev.hoist.config.ConfigNode} walks the YAML tree of {@code
 * hoist.yaml} for every section, {@link dev.hoist.config.Values} parses durations, sizes, booleans,
 * numbers, addresses and lists the same way for the file, the environment, the flags and the JSON
 * APIs, and every failure is a {@link dev.hoist.config.ConfigException} naming the setting.
 *
 * <p>Each section is read next to the record it builds ({@code MirrorConfig.read}, {@code
 * AuthConfig.read}, {@code SyncConfig.read}, {@code AcceleratorConfig.read}); the composition
 * root's {@code ConfigLoader} reads the top level and layers the file, the environment and the
 * flags. The records validate themselves once, on construction, and are immutable after that; their
 * builders are how code (and tests) make them.
 *
 * <p>This package depends on Jackson (and its YAML parser) only, so that every feature package may
 * use it.
 */
package dev.hoist.config;
