package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {
  @Test
  void aNamedSubcommandIsTheOnlyOneBuilt() {
    assertThat(Main.subcommandNamed("pull", "ubuntu")).isEqualTo(PullCommand.class);
    assertThat(Main.subcommandNamed("--root", "/tmp/s", "images")).isEqualTo(ImagesCommand.class);
    assertThat(Main.subcommandNamed("--root=/tmp/s", "rmi", "x")).isEqualTo(RmiCommand.class);
    assertThat(Main.commandLine(new HoistCommand(), "pull", "ubuntu").getSubcommands())
        .containsOnlyKeys("pull");
  }

  @Test
  void everySubcommandIsFoundByItsName() {
    for (Class<?> c : Main.SUBCOMMANDS) {
      String name = c.getAnnotation(Command.class).name();
      assertThat(Main.subcommandNamed(name, "--help")).as(name).isEqualTo(c);
    }
  }

  @Test
  void helpATypoOrNothingGetTheWholeTree() {
    assertThat(Main.subcommandNamed()).isNull();
    assertThat(Main.subcommandNamed("--help")).isNull();
    assertThat(Main.subcommandNamed("--root", "/x")).isNull();
    assertThat(Main.subcommandNamed("pul")).isNull();
    assertThat(Main.commandLine(new HoistCommand(), "--help").getSubcommands())
        .hasSize(Main.SUBCOMMANDS.size());

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine help = Main.commandLine(new HoistCommand(), "--help");
    help.setOut(new PrintWriter(out, true));
    assertThat(help.execute("--help")).isZero();
    assertThat(out.toString()).contains("pull", "serve", "images", "copy", "sync");

    CommandLine typo = Main.commandLine(new HoistCommand(), "pul");
    typo.setErr(new PrintWriter(err, true));
    assertThat(typo.execute("pul", "ubuntu")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("pull"); // picocli's "Did you mean" needs every name
  }
}
