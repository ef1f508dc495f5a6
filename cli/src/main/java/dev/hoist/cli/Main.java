package dev.hoist.cli;

import picocli.CommandLine;

/** Entry point of the {@code hoist} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit status, without exiting (for tests). */
  static int run(String... args) {
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new HoistCommand());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setExitCodeExceptionMapper(ExitCodes::forException);
    return cl;
  }
}
