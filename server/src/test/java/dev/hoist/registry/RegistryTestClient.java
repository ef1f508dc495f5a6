package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small distribution-API client for tests: raw requests (including ones no well-behaved client
 * sends), and pushes of blobs, manifests and whole images.
 */
final class RegistryTestClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;

  RegistryTestClient(URI base) {
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  URI base() {
    return base;
  }

  // ---- raw requests

  HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body);
    return send(method, path, publisher, headers);
  }

  /** Sends the body with chunked transfer encoding: no Content-Length. */
  HttpResponse<byte[]> sendStreamed(
      String method, String path, Supplier<InputStream> body, String... headers) {
    return send(method, path, HttpRequest.BodyPublishers.ofInputStream(body), headers);
  }

  HttpResponse<byte[]> send(
      String method, String path, HttpRequest.BodyPublisher body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofMinutes(5)).method(method, body);
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request.build(), handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofMinutes(10));
  }

  HttpResponse<byte[]> get(String path, String... headers) {
    return send("GET", path, (byte[]) null, headers);
  }

  HttpResponse<byte[]> head(String path, String... headers) {
    return send("HEAD", path, (byte[]) null, headers);
  }

  HttpResponse<byte[]> delete(String path) {
    return send("DELETE", path, (byte[]) null);
  }

  HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    return send("POST", path, body, headers);
  }

  HttpResponse<byte[]> put(String path, byte[] body, String... headers) {
    return send("PUT", path, body, headers);
  }

  HttpResponse<byte[]> patch(String path, byte[] body, String... headers) {
    return send("PATCH", path, body, headers);
  }

  /**
   * Sends a request line exactly as written over a plain socket (no client normalises it), and
   * returns the status and body. For paths such as {@code /v2/../x/tags/list}.
   */
  RawResponse raw(String method, String rawPath) {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String request =
          method
              + " "
              + rawPath
              + " HTTP/1.1\r\nHost: "
              + base.getHost()
              + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] all = socket.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyStart = text.indexOf("\r\n\r\n");
      String head = text.substring(0, bodyStart);
      String body = text.substring(bodyStart + 4);
      return new RawResponse(status, head, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record RawResponse(int status, String head, String body) {
    String errorCode() {
      return RegistryTestClient.errorCode(body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private URI resolve(String path) {
    return URI.create(base + path);
  }

  // ---- pushes

  /** Pushes a blob with POST then PUT (body in the PUT); returns its sha256 digest. */
  Digest pushBlob(String repo, byte[] content) {
    Digest digest = Digest.sha256(content);
    String location = startUpload(repo);
    HttpResponse<byte[]> put =
        put(withDigest(location, digest), content, "Content-Type", "application/octet-stream");
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    return digest;
  }

  /** Pushes a blob with a single POST {@code ?digest=}. */
  HttpResponse<byte[]> pushMonolithic(String repo, byte[] content, Digest digest) {
    return post(
        "/v2/" + repo + "/blobs/uploads/?digest=" + digest,
        content,
        "Content-Type",
        "application/octet-stream");
  }

  /** Starts an upload session; returns its Location (a path). */
  String startUpload(String repo) {
    HttpResponse<byte[]> post = post("/v2/" + repo + "/blobs/uploads/", null);
    assertThat(post.statusCode()).as(text(post)).isEqualTo(202);
    return post.headers().firstValue("Location").orElseThrow();
  }

  static String withDigest(String location, Digest digest) {
    return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
  }

  HttpResponse<byte[]> pushManifest(String repo, String reference, String mediaType, byte[] body) {
    return put("/v2/" + repo + "/manifests/" + reference, body, "Content-Type", mediaType);
  }

  /** An image pushed by {@link #pushImage}. */
  record Image(Digest manifest, byte[] manifestBytes, Digest config, Digest layer) {}

  /** Pushes a config, a layer and an OCI manifest naming them, under {@code tag}. */
  Image pushImage(String repo, String tag, String seed) {
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] layer = ("layer of " + seed).getBytes(StandardCharsets.UTF_8);
    Digest configDigest = pushBlob(repo, config);
    Digest layerDigest = pushBlob(repo, layer);
    byte[] manifest =
        imageManifest(
            MediaTypes.OCI_CONFIG, configDigest, config.length, layerDigest, layer.length, null);
    HttpResponse<byte[]> put = pushManifest(repo, tag, MediaTypes.OCI_MANIFEST, manifest);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    return new Image(Digest.sha256(manifest), manifest, configDigest, layerDigest);
  }

  /** An OCI image manifest with one layer, and a subject when {@code subject} is not null. */
  static byte[] imageManifest(
      String configType,
      Digest config,
      long configSize,
      Digest layer,
      long layerSize,
      ObjectNode subject) {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", descriptor(configType, config, configSize));
    ArrayNode layers = m.putArray("layers");
    if (layer != null) {
      layers.add(descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, layer, layerSize));
    }
    if (subject != null) {
      m.set("subject", subject);
    }
    return bytes(m);
  }

  static ObjectNode descriptor(String mediaType, Digest digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    return d;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- reading responses

  static JsonNode json(HttpResponse<byte[]> response) {
    return parse(response.body());
  }

  static JsonNode parse(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first error code of a spec error body, or null when it is none. */
  static String errorCode(byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      JsonNode code = root == null ? null : root.path("errors").path(0).get("code");
      return code == null ? null : code.asText();
    } catch (IOException e) {
      return null;
    }
  }

  static String errorCode(HttpResponse<byte[]> response) {
    return errorCode(response.body());
  }

  static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  /** Status, headers and body, for assertion messages. */
  static String text(HttpResponse<byte[]> response) {
    return response.statusCode()
        + " "
        + response.headers().map()
        + " "
        + new String(response.body(), StandardCharsets.UTF_8);
  }

  static Map<String, String> flatHeaders(HttpResponse<?> response) {
    Map<String, String> out = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().map().forEach((k, v) -> out.put(k, String.join(",", v)));
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
