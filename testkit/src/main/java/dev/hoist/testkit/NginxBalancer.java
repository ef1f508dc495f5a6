package dev.hoist.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's nginx as a round-robin HTTP load balancer in front of several servers on loopback, as an
 * operator puts one before the nodes of a cluster: request bodies and responses streamed (no
 * buffering), a failed upstream connection tried on the next server, its own directory for
 * configuration, logs and temporary files. Fails, with how to install it, when nginx is missing.
 */
public final class NginxBalancer implements AutoCloseable {
  public static final Path EXECUTABLE = Path.of("/usr/sbin/nginx");

  private final Process process;
  private final int port;
  private final Path dir;

  private NginxBalancer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** Starts nginx in {@code dir} balancing over {@code backends} ({@code host:port} each). */
  public static NginxBalancer start(Path dir, List<String> backends) throws IOException {
    if (!Files.isExecutable(EXECUTABLE)) {
      throw new IllegalStateException(
          EXECUTABLE + " is missing: install Debian's nginx-light (.ci/run does)");
    }
    Files.createDirectories(dir.resolve("tmp"));
    int port = freePort();
    String servers =
        backends.stream()
            .map(b -> "    server " + b + " max_fails=1 fail_timeout=2s;")
            .collect(Collectors.joining("\n"));
    boolean root = "root".equals(System.getProperty("user.name"));
    String conf =
        (root ? "user root root;\n" : "")
            + "daemon off;\n"
            + "master_process on;\n"
            + "worker_processes 1;\n"
            + "pid "
            + dir
            + "/nginx.pid;\n"
            + "error_log "
            + dir
            + "/error.log warn;\n"
            + "events { worker_connections 1024; }\n"
            + "http {\n"
            + "  access_log "
            + dir
            + "/access.log;\n"
            + "  client_body_temp_path "
            + dir
            + "/tmp/body;\n"
            + "  proxy_temp_path "
            + dir
            + "/tmp/proxy;\n"
            + "  fastcgi_temp_path "
            + dir
            + "/tmp/fastcgi;\n"
            + "  uwsgi_temp_path "
            + dir
            + "/tmp/uwsgi;\n"
            + "  scgi_temp_path "
            + dir
            + "/tmp/scgi;\n"
            + "  upstream hoist {\n"
            + servers
            + "\n  }\n"
            + "  server {\n"
            + "    listen 127.0.0.1:"
            + port
            + ";\n"
            + "    client_max_body_size 0;\n"
            + "    proxy_http_version 1.1;\n"
            + "    proxy_request_buffering off;\n"
            + "    proxy_buffering off;\n"
            + "    proxy_read_timeout 120s;\n"
            + "    proxy_next_upstream error timeout;\n"
            + "    proxy_set_header Host $http_host;\n"
            + "    proxy_set_header Connection \"\";\n"
            + "    location / { proxy_pass http://hoist; }\n"
            + "  }\n"
            + "}\n";
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Process process =
        new ProcessBuilder(
                EXECUTABLE.toString(),
                "-p",
                dir.toString(),
                "-e",
                dir.resolve("error.log").toString(),
                "-c",
                confFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    NginxBalancer nginx = new NginxBalancer(process, port, dir);
    nginx.awaitListening(Duration.ofSeconds(10));
    return nginx;
  }

  public int port() {
    return port;
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public Path accessLog() {
    return dir.resolve("access.log");
  }

  private void awaitListening(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "nginx exited at start: " + Files.readString(dir.resolve("nginx.out")).strip());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
    close();
    throw new IOException("nginx did not listen on " + port + " within " + timeout);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
