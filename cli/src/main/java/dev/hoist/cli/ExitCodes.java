package dev.hoist.cli;

import dev.hoist.oci.InvalidReferenceException;

/** Exit statuses shared by every command, so scripts can tell failures apart. */
final class ExitCodes {
  private ExitCodes() {}

  static final int OK = 0;
  static final int ERROR = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int AUTH = 4;
  static final int NETWORK = 5;

  static int forException(Throwable t) {
    if (t instanceof picocli.CommandLine.ParameterException
        || t instanceof InvalidReferenceException
        || t instanceof IllegalArgumentException) {
      return USAGE;
    }
    return ERROR;
  }
}
