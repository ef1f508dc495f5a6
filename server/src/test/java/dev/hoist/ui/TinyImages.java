package dev.hoist.ui;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Small images pushed over plain HTTP to a registry without auth: a config (with a platform and a
 * history step the test chooses) and one layer, so that a test can make many repositories in
 * milliseconds and put what it likes into the texts a page shows.
 */
final class TinyImages {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** What was pushed. */
  record Pushed(Digest digest, long size) {}

  private TinyImages() {}

  static Pushed push(String registryUrl, String repository, String tag, String createdBy) {
    return push(registryUrl, repository, tag, createdBy, Map.of());
  }

  static Pushed push(
      String registryUrl,
      String repository,
      String tag,
      String createdBy,
      Map<String, String> annotations) {
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-12-01T10:00:00Z\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{\"created\":"
                + "\"2026-12-01T10:00:00Z\",\"created_by\":"
                + json(createdBy)
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] layer = ("layer of " + repository + ":" + tag).getBytes(StandardCharsets.UTF_8);
    pushBlob(registryUrl, repository, config);
    pushBlob(registryUrl, repository, layer);
    StringBuilder notes = new StringBuilder();
    annotations.forEach(
        (k, v) ->
            notes.append(notes.isEmpty() ? "" : ",").append(json(k)).append(':').append(json(v)));
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\""
            + MediaTypes.OCI_CONFIG
            + "\",\"digest\":\""
            + Digest.sha256(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
            + Digest.sha256(layer)
            + "\",\"size\":"
            + layer.length
            + "}],\"annotations\":{"
            + notes
            + "}}";
    byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
    put(registryUrl + "/v2/" + repository + "/manifests/" + tag, MediaTypes.OCI_MANIFEST, bytes);
    return new Pushed(Digest.sha256(bytes), bytes.length);
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static void pushBlob(String registryUrl, String repository, byte[] bytes) {
    HttpResponse<String> start =
        send(
            HttpRequest.newBuilder(
                    URI.create(registryUrl + "/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    if (start.statusCode() != 202) {
      throw new IllegalStateException("starting an upload answered " + start.statusCode());
    }
    URI location =
        URI.create(registryUrl).resolve(start.headers().firstValue("Location").orElseThrow());
    String sep = location.getRawQuery() == null ? "?" : "&";
    put(location + sep + "digest=" + Digest.sha256(bytes), "application/octet-stream", bytes);
  }

  private static void put(String url, String contentType, byte[] body) {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    if (r.statusCode() != 201) {
      throw new IllegalStateException(
          "PUT " + url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
    }
  }
}
