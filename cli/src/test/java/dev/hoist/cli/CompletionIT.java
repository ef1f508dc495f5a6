package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoist completion}: the script it prints is loaded by a real bash (Debian's {@code
 * /bin/bash}), which then completes {@code hoist} commands and options through it.
 */
class CompletionIT {
  @TempDir Path dir;
  Cli cli;
  Path script;

  @BeforeEach
  void writeTheScript() throws IOException {
    cli = new Cli(dir);
    Cli.Run run = cli.run("completion", "bash");
    assertThat(run.exit()).as(run.err()).isZero();
    script = Files.writeString(dir.resolve("hoist.bash"), run.out());
  }

  /** Runs {@code body} in bash after sourcing the script; returns its standard output. */
  private String bash(String body) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "/bin/bash",
                "--norc",
                "--noprofile",
                "-c",
                "source \"$1\"\n" + body,
                "_",
                script.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** What bash offers for the words of {@code line}, the last one being completed. */
  private List<String> complete(String line) throws IOException, InterruptedException {
    String out =
        bash(
            // compopt works only while bash itself completes: a no-op stands in for it here
            "compopt() { :; }; COMP_LINE='"
                + line
                + "'; COMP_POINT=${#COMP_LINE}; read -r -a COMP_WORDS <<< \"$COMP_LINE\";"
                + (line.endsWith(" ") ? " COMP_WORDS+=('');" : "")
                + " COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
                + " _complete_hoist; printf '%s\\n' \"${COMPREPLY[@]}\"");
    return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  void bashLoadsTheScriptAndRegistersHoist() throws Exception {
    assertThat(bash("complete -p hoist")).contains("_complete_hoist").contains(" hoist");
  }

  @Test
  void bashCompletesCommandsAndOptions() throws Exception {
    assertThat(complete("hoist pu")).containsExactlyInAnyOrder("pull", "push");
    assertThat(complete("hoist sa")).containsExactly("save");
    assertThat(complete("hoist save --ou")).containsExactly("--output");
    assertThat(complete("hoist completion ")).containsExactlyInAnyOrder("bash", "zsh");
  }

  @Test
  void zshGetsTheSameScriptWhichLoadsBashcompinit() {
    Cli.Run zsh = cli.run("completion", "zsh");
    assertThat(zsh.exit()).isZero();
    assertThat(zsh.out()).isEqualTo(cli.run("completion", "bash").out()).contains("bashcompinit");
  }

  @Test
  void anotherShellIsAUsageError() {
    Cli.Run fish = cli.run("completion", "fish");
    assertThat(fish.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(fish.err()).contains("bash", "zsh");
  }
}
