package dev.hoist.storage;

import org.jspecify.annotations.Nullable;

/**
 * Registry metadata, read and written in transactions. A write transaction is atomic: a manifest
 * and its tag appear together or not at all, and a tag moves in one step.
 */
public interface MetadataStore extends AutoCloseable {

  /** Runs {@code work} in a read-only transaction (a consistent snapshot). */
  <T extends @Nullable Object> T read(Work<T> work);

  /**
   * Runs {@code work} in a write transaction, committed when it returns and rolled back when it
   * throws. Implementations retry transparently on a serialisation conflict, so {@code work} must
   * have no side effects outside the transaction.
   */
  <T extends @Nullable Object> T write(Work<T> work);

  @Override
  void close();

  /** A unit of work inside one transaction; it may return null (a {@code Work<Void>}). */
  @FunctionalInterface
  interface Work<T extends @Nullable Object> {
    T run(MetadataTransaction tx);
  }
}
