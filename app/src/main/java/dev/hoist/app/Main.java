package dev.hoist.app;

import dev.hoist.cli.HoistCli;
import java.util.List;

/**
 * Entry point of the {@code hoist} command: the client commands of {@code cli} and the server-side
 * commands, which alone need the server.
 */
public final class Main {
  private Main() {}

  /**
   * Read size of {@code java.net.http}, the upstream and registry client: its default of 16 KiB
   * costs about twice the CPU per byte of 256 KiB when pulling large layers (measured on loopback:
   * 0.33 s against 0.14 s of CPU to read 200 MiB). A value given with {@code -D} wins.
   */
  static final String HTTP_CLIENT_BUFFER_SIZE = Integer.toString(256 * 1024);

  /** Every subcommand, in the order {@code hoist --help} lists them. */
  static final List<Class<?>> SUBCOMMANDS =
      HoistCli.subcommands(List.of(ServeCommand.class, GcCommand.class, FsckCommand.class));

  public static void main(String[] args) {
    // Before anything loads java.net.http, which reads the property once.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", HTTP_CLIENT_BUFFER_SIZE);
    }
    System.exit(HoistCli.run(SUBCOMMANDS, args));
  }
}
