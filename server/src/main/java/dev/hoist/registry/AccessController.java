package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may do what: the router asks {@link #check} before it dispatches a {@code /v2/} request, with
 * the access the request needs (worked out from the route and the method), and answers a {@link
 * Denial} as given. {@link #ALLOW_ALL} (the default) lets everything through; the auth package
 * plugs its token verification in here.
 *
 * <p>{@link #check} runs on the event loop: it must not block (verifying a signature is fine,
 * hashing a password is not).
 */
public interface AccessController {

  /** Everything is allowed: the registry without auth. */
  AccessController ALLOW_ALL = new AccessController() {};

  /** Whether the request may go on, and as whom; else the error the client gets. */
  default Decision check(Request request) {
    return Decision.ANONYMOUS;
  }

  /** What {@link #check} decided. */
  sealed interface Decision {
    /** Let through without a user behind it. */
    Decision ANONYMOUS = new Allowed(null);

    /** The refusal, when the request may not go on. */
    Optional<Denial> denial();

    /** The user the request acts as, when it is allowed and signed in. */
    Optional<String> principal();

    /** Let through, as {@code user} (null: anonymous). */
    record Allowed(String user) implements Decision {
      @Override
      public Optional<Denial> denial() {
        return Optional.empty();
      }

      @Override
      public Optional<String> principal() {
        return Optional.ofNullable(user);
      }
    }

    /** Refused. */
    record Denied(Denial refusal) implements Decision {
      @Override
      public Optional<Denial> denial() {
        return Optional.of(refusal);
      }

      @Override
      public Optional<String> principal() {
        return Optional.empty();
      }
    }
  }

  /**
   * A request as the access controller sees it.
   *
   * @param method the HTTP method
   * @param host the {@code Host} header (or HTTP/2 {@code :authority}) as sent, or null
   * @param addressPath the path prefix the registry was reached under ({@link
   *     dev.hoist.pipeline.RequestContext#addressPrefix()}), or empty at the root
   * @param remoteAddress the peer's IP address (a proxy's, behind one)
   * @param tls whether the connection is TLS
   * @param header a request header by name (case-insensitive), or null
   * @param access what the request needs: empty for the base endpoint {@code /v2/}
   */
  record Request(
      String method,
      String host,
      String addressPath,
      String remoteAddress,
      boolean tls,
      Function<String, String> header,
      List<Access> access) {
    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(addressPath, "addressPath");
      Objects.requireNonNull(header, "header");
      access = List.copyOf(access);
    }
  }

  /**
   * One resource and the actions wanted on it, in the terms of Docker token scopes.
   *
   * @param type {@code repository} or {@code registry}
   * @param name a repository name as the client sent it, or {@code catalog}
   * @param actions {@code pull}, {@code push}, {@code delete}, or {@code *} (catalog)
   * @param mirrored whether the repository is served from an upstream (read-only)
   */
  record Access(String type, String name, List<String> actions, boolean mirrored) {
    public Access {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(name, "name");
      actions = List.copyOf(actions);
    }
  }

  /**
   * A refusal: the error code (UNAUTHORIZED or DENIED), a message, and headers such as {@code
   * WWW-Authenticate}.
   */
  record Denial(ErrorCode code, String message, Map<String, String> headers) {
    public Denial {
      Objects.requireNonNull(code, "code");
      headers = Map.copyOf(headers);
    }
  }
}
