package dev.hoist.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hoist completion bash|zsh}: the shell completion script picocli's {@link AutoComplete}
 * makes from the whole command tree (commands, options, enum values). One script serves both
 * shells: in zsh it loads {@code bashcompinit} and runs as bash completion.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shell completion script for bash or zsh.",
      "bash: add 'source <(hoist completion bash)' to ~/.bashrc, or save it as"
          + " ~/.local/share/bash-completion/completions/hoist.",
      "zsh: add 'source <(hoist completion zsh)' to ~/.zshrc (after compinit).",
      "It completes the command named 'hoist', as found on PATH."
    })
final class CompletionCommand implements Callable<Integer> {
  enum Shell {
    bash,
    zsh
  }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell;

  @Override
  public Integer call() {
    String script = AutoComplete.bash(spec.root().name(), spec.root().commandLine());
    spec.commandLine().getOut().print(script);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
