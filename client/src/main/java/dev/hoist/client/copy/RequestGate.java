package dev.hoist.client.copy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What a {@link RegistrySource} asks before each request: a budget (concurrency, rate) that may
 * make it wait. The permit is held until the request's response (a blob: its whole body) is done.
 */
@FunctionalInterface
public interface RequestGate {

  /** Waits until a request may go. */
  Permit acquire() throws IOException;

  /** A request's place in the budget, given back when closed (idempotent). */
  interface Permit extends AutoCloseable {
    @Override
    void close();

    /** A response body that gives this permit back when it is closed. */
    default InputStream heldUntilClosed(InputStream body) {
      return new FilterInputStream(body) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            Permit.this.close();
          }
        }
      };
    }
  }

  /** No limits. */
  RequestGate NONE = () -> () -> {};
}
