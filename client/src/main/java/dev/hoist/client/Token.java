package dev.hoist.client;

import dev.hoist.oci.Scope;
import java.time.Instant;
import java.util.List;

/** A bearer token, the scopes it was asked for, and when to stop using it. */
record Token(String value, List<Scope> scopes, Instant usableUntil) {

  Token {
    scopes = List.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "Token[scopes=" + scopes + ", usableUntil=" + usableUntil + "]";
  }
}
