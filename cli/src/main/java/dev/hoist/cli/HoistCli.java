package dev.hoist.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * The {@code hoist} command line: the top command, the client commands, and how one run builds only
 * the command it names. The module that packages {@code hoist} ({@code app}) adds the server-side
 * commands, which this module does not know, and has the {@code main}.
 */
public final class HoistCli {
  private HoistCli() {}

  /**
   * Every subcommand, in the order {@code hoist --help} lists them: the client commands, with the
   * server-side commands ({@code serve}) after {@code ref}, where {@code serve} has always been.
   */
  public static List<Class<?>> subcommands(List<Class<?>> serverCommands) {
    List<Class<?>> all = new ArrayList<>();
    all.add(RefCommand.class);
    all.addAll(serverCommands);
    all.addAll(
        List.of(
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
            CopyCommand.class,
            HelpCommand.class,
            CompletionCommand.class));
    return List.copyOf(all);
  }

  /** Runs a command line with these subcommands and returns its exit status, without exiting. */
  public static int run(List<Class<?>> subcommands, String... args) {
    return commandLine(subcommands, new HoistCommand(), args).execute(args);
  }

  /** The whole command tree, every subcommand. */
  static CommandLine commandLine(List<Class<?>> subcommands) {
    return commandLine(subcommands, new HoistCommand());
  }

  /**
   * The command tree for {@code args}. picocli builds the model of every command it is given, by
   * reflection, before parsing: for all subcommands that took 0.2 s of every run (a third of a
   * small {@code hoist pull}). So when the arguments name their subcommand, only that one is
   * registered; anything else (no subcommand, {@code --help}, a typo) gets the whole tree, for its
   * usage message, as do {@code help} and {@code completion}, which are about the others.
   */
  static CommandLine commandLine(List<Class<?>> subcommands, HoistCommand top, String... args) {
    CommandLine cl = new CommandLine(top);
    Class<?> named = subcommandNamed(subcommands, args);
    if (named != null && NEEDS_THE_TREE.contains(named)) {
      named = null;
    }
    for (Class<?> c : named != null ? List.of(named) : subcommands) {
      cl.addSubcommand(c);
    }
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setExitCodeExceptionMapper(ExitCodes::forException);
    return cl;
  }

  /**
   * Commands about the others ({@code hoist help pull}, {@code hoist completion bash}), which need
   * the whole tree.
   */
  private static final Set<Class<?>> NEEDS_THE_TREE =
      Set.of(HelpCommand.class, CompletionCommand.class);

  /** The subcommand the arguments name, after the top command's own options; else null. */
  static Class<?> subcommandNamed(List<Class<?>> subcommands, String... args) {
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
        for (Class<?> c : subcommands) {
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
