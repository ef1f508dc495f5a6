package dev.hoist.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Prints a failure as one line, {@code Error: <cause>}, instead of a stack trace. */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    cl.getErr().println("Error: " + message);
    if (System.getenv("HOIST_DEBUG") != null) {
      e.printStackTrace(cl.getErr());
    }
    return ExitCodes.forException(e);
  }
}
