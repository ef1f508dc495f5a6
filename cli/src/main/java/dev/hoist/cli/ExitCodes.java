package dev.hoist.cli;

import dev.hoist.client.RegistryException;
import dev.hoist.images.ImageException;
import dev.hoist.oci.InvalidReferenceException;

/** Exit statuses shared by every command, so scripts can tell failures apart. */
public final class ExitCodes {
  private ExitCodes() {}

  public static final int OK = 0;
  public static final int ERROR = 1;
  public static final int USAGE = 2;
  public static final int NOT_FOUND = 3;
  public static final int AUTH = 4;
  public static final int NETWORK = 5;

  static int forException(Throwable t) {
    if (t instanceof ImageException e) {
      switch (e.kind()) {
        case NOT_FOUND:
          return NOT_FOUND;
        case AUTH:
          return AUTH;
        case NETWORK:
          return NETWORK;
        case USAGE:
          return USAGE;
        default:
          return ERROR;
      }
    }
    if (t instanceof RegistryException e) {
      return forRegistry(e);
    }
    if (t instanceof picocli.CommandLine.ParameterException
        || t instanceof InvalidReferenceException
        || t instanceof IllegalArgumentException) {
      return USAGE;
    }
    return ERROR;
  }

  /** A registry's answer: not found 3, authentication 4, unreachable or failing 5. */
  static int forRegistry(RegistryException e) {
    switch (e.code()) {
      case MANIFEST_UNKNOWN:
      case BLOB_UNKNOWN:
      case NAME_UNKNOWN:
        return NOT_FOUND;
      case UNAUTHORIZED:
      case DENIED:
        return AUTH;
      case UNAVAILABLE:
      case UPSTREAM_FAILED:
      case TOOMANYREQUESTS:
        return NETWORK;
      default:
        return e.httpStatus() == 0 || e.httpStatus() >= 500 ? NETWORK : ERROR;
    }
  }
}
