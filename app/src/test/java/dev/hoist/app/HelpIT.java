package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged {@code hoist.jar}'s help, as a user sees it. */
class HelpIT {
  private static final Path JAR = Path.of("target", "hoist.jar").toAbsolutePath();

  private static String hoist(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void helpListsTheClientAndTheServerCommands() throws Exception {
    String help = hoist("--help");

    List<String> listed =
        help.lines()
            .dropWhile(l -> !l.equals("Commands:"))
            .skip(1)
            .takeWhile(l -> l.startsWith("  "))
            .filter(l -> !l.startsWith("   "))
            .map(l -> l.strip().split("\\s+")[0])
            .toList();
    assertThat(listed)
        .containsExactly(
            "ref",
            "serve",
            "gc",
            "fsck",
            "pull",
            "images",
            "tag",
            "rmi",
            "inspect",
            "login",
            "logout",
            "push",
            "save",
            "load",
            "export",
            "tags",
            "mirror-config",
            "sync",
            "copy",
            "help",
            "completion");
  }

  @Test
  void serveHasItsOwnHelp() throws Exception {
    assertThat(hoist("serve", "--help")).contains("--listen", "--data-dir", "--mirror");
  }
}
