package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import java.util.Map;

/** The answer to a method a resource does not support. */
final class Methods {
  private Methods() {}

  /** 405 UNSUPPORTED with an {@code Allow} header listing what the resource supports. */
  static OciException notAllowed(Exchange ex, String allowed) {
    return Errors.withHeaders(
        ErrorCode.UNSUPPORTED,
        "method " + ex.method().name() + " is not allowed here (allowed: " + allowed + ")",
        Map.of("Allow", allowed));
  }
}
