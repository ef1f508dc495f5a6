package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class HoistCliTest {
  private static final List<Class<?>> CLIENT = Cli.CLIENT_COMMANDS;

  @Test
  void aNamedSubcommandIsTheOnlyOneBuilt() {
    assertThat(HoistCli.subcommandNamed(CLIENT, "pull", "ubuntu")).isEqualTo(PullCommand.class);
    assertThat(HoistCli.subcommandNamed(CLIENT, "--root", "/tmp/s", "images"))
        .isEqualTo(ImagesCommand.class);
    assertThat(HoistCli.subcommandNamed(CLIENT, "--root=/tmp/s", "rmi", "x"))
        .isEqualTo(RmiCommand.class);
    assertThat(HoistCli.commandLine(CLIENT, new HoistCommand(), "pull", "ubuntu").getSubcommands())
        .containsOnlyKeys("pull");
  }

  @Test
  void everySubcommandIsFoundByItsName() {
    for (Class<?> c : CLIENT) {
      String name = c.getAnnotation(Command.class).name();
      assertThat(HoistCli.subcommandNamed(CLIENT, name, "--help")).as(name).isEqualTo(c);
    }
  }

  /** Stands for {@code app}'s {@code serve}, which this module does not know. */
  @Command(name = "serve")
  private static final class Serve implements Runnable {
    @Override
    public void run() {}
  }

  @Test
  void serverCommandsAreListedAfterRef() {
    List<Class<?>> all = HoistCli.subcommands(List.of(Serve.class));
    assertThat(all).hasSize(CLIENT.size() + 1);
    assertThat(all.subList(0, 3)).containsExactly(RefCommand.class, Serve.class, PullCommand.class);
    assertThat(HoistCli.subcommandNamed(all, "serve", "--listen", ":0")).isEqualTo(Serve.class);
  }

  @Test
  void helpATypoOrNothingGetTheWholeTree() {
    assertThat(HoistCli.subcommandNamed(CLIENT)).isNull();
    assertThat(HoistCli.subcommandNamed(CLIENT, "--help")).isNull();
    assertThat(HoistCli.subcommandNamed(CLIENT, "--root", "/x")).isNull();
    assertThat(HoistCli.subcommandNamed(CLIENT, "pul")).isNull();
    assertThat(HoistCli.commandLine(CLIENT, new HoistCommand(), "--help").getSubcommands())
        .hasSize(CLIENT.size());

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine help = HoistCli.commandLine(CLIENT, new HoistCommand(), "--help");
    help.setOut(new PrintWriter(out, true));
    assertThat(help.execute("--help")).isZero();
    assertThat(out.toString()).contains("pull", "images", "copy", "sync");

    CommandLine typo = HoistCli.commandLine(CLIENT, new HoistCommand(), "pul");
    typo.setErr(new PrintWriter(err, true));
    assertThat(typo.execute("pul", "ubuntu")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("pull"); // picocli's "Did you mean" needs every name
  }

  @Test
  void helpCommandPrintsTheNamedCommandsHelp() {
    StringWriter out = new StringWriter();
    CommandLine cl = HoistCli.commandLine(CLIENT, new HoistCommand(), "help", "pull");
    cl.setOut(new PrintWriter(out, true));

    assertThat(cl.execute("help", "pull")).isZero();
    assertThat(out.toString()).startsWith("Usage: hoist pull ").contains("--platform");
    assertThat(cl.getSubcommands()).hasSize(CLIENT.size());
  }

  @Test
  void helpOfAnUnknownCommandIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cl = HoistCli.commandLine(CLIENT, new HoistCommand(), "help", "pul");
    cl.setErr(new PrintWriter(err, true));

    assertThat(cl.execute("help", "pul")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unknown subcommand 'pul'");
  }
}
