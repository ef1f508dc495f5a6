package dev.hoist.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hoist} command. */
public final class Main {
  private Main() {}

  /**
   * Read size of {@code java.net.http}, the upstream and registry client: its default of 16 KiB
   * costs about twice the CPU per byte of 256 KiB when pulling large layers (measured on loopback:
   * 0.33 s against 0.14 s of CPU to read 200 MiB). A value given with {@code -D} wins.
   */
  static final String HTTP_CLIENT_BUFFER_SIZE = Integer.toString(256 * 1024);

  public static void main(String[] args) {
    // Before anything loads java.net.http, which reads the property once.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", HTTP_CLIENT_BUFFER_SIZE);
    }
    System.exit(run(args));
  }

  /** The subcommands, in the order {@code hoist --help} lists them. */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          RefCommand.class,
          ServeCommand.class,
          PullCommand.class,
          ImagesCommand.class,
          TagCommand.class,
          RmiCommand.class,
          InspectCommand.class,
          LoginCommand.class,
          LogoutCommand.class,
          PushCommand.class,
          SaveCommand.class,
          LoadCommand.class,
          ExportCommand.class,
          TagsCommand.class,
          MirrorConfigCommand.class,
          SyncCommand.class,
          CopyCommand.class);

  /** Runs a command line and returns its exit status, without exiting (for tests). */
  static int run(String... args) {
    return commandLine(new HoistCommand(), args).execute(args);
  }

  /** The whole command tree, every subcommand. */
  static CommandLine commandLine() {
    return commandLine(new HoistCommand());
  }

  /**
   * The command tree for {@code args}. picocli builds the model of every command it is given, by
   * reflection, before parsing: for all subcommands that took 0.2 s of every run (a third of a
   * small {@code hoist pull}). So when the arguments name their subcommand, only that one is
   * registered; anything else (no subcommand, {@code --help}, a typo) gets the whole tree, for its
   * usage message.
   */
  static CommandLine commandLine(HoistCommand top, String... args) {
    CommandLine cl = new CommandLine(top);
    Class<?> named = subcommandNamed(args);
    for (Class<?> c : named != null ? List.of(named) : SUBCOMMANDS) {
      cl.addSubcommand(c);
    }
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setExitCodeExceptionMapper(ExitCodes::forException);
    return cl;
  }

  /** The subcommand the arguments name, after the top command's own options; else null. */
  static Class<?> subcommandNamed(String... args) {
    int i = 0;
    while (i < args.length) {
      String a = args[i];
      if (a.equals("--root")) {
        i += 2;
      } else if (a.startsWith("--root=")) {
        i++;
      } else if (a.startsWith("-")) {
        return null; // --help, --version, or an unknown option: the whole tree answers
      } else {
        for (Class<?> c : SUBCOMMANDS) {
          if (c.getAnnotation(Command.class).name().equals(a)) {
            return c;
          }
        }
        return null;
      }
    }
    return null;
  }
}
