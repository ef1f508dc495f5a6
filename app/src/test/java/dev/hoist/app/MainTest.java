package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class MainTest {
  @Test
  void helpListsEveryCommandInItsOrderWithTheServerCommandsAfterRef() {
    assertThat(Main.SUBCOMMANDS)
        .extracting(c -> c.getAnnotation(Command.class).name())
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
}
