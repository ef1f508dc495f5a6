package dev.hoist.testkit;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * OCI 1.1 referrers for tests: pushes a small signature-like artifact manifest whose {@code
 * subject} is an image, and, for registries without the referrers API (Distribution 2.8), the
 * referrers tag ({@code sha256-<hex>}) listing it, written by hand as a client following the spec
 * would. Plain HTTP to a registry without auth, so that the code under test sets up nothing.
 */
public final class Referrers {
  /** The artifact type of the artifacts pushed here. */
  public static final String ARTIFACT_TYPE = "application/vnd.hoist.test.signature.v1+json";

  private static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .proxy(HttpClient.Builder.NO_PROXY)
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Referrers() {}

  /** A pushed artifact: its manifest's digest and size. */
  public record Artifact(Digest digest, long size) {}

  /**
   * Pushes an artifact manifest (empty config, one layer holding {@code text}) whose subject is the
   * manifest {@code subject} of {@code subjectSize} bytes, by digest.
   *
   * @param registryUrl {@code http://host:port}
   */
  public static Artifact pushArtifact(
      String registryUrl, String repository, Digest subject, long subjectSize, String text) {
    byte[] layer = text.getBytes(StandardCharsets.UTF_8);
    pushBlob(registryUrl, repository, EMPTY_CONFIG);
    pushBlob(registryUrl, repository, layer);
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"artifactType\":\""
            + ARTIFACT_TYPE
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_EMPTY, Digest.sha256(EMPTY_CONFIG), EMPTY_CONFIG.length)
            + ",\"layers\":["
            + descriptor(
                "application/vnd.hoist.test.signature.v1", Digest.sha256(layer), layer.length)
            + "],\"subject\":"
            + descriptor(MediaTypes.OCI_MANIFEST, subject, subjectSize)
            + "}";
    byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256(bytes);
    put(registryUrl + "/v2/" + repository + "/manifests/" + digest, MediaTypes.OCI_MANIFEST, bytes);
    return new Artifact(digest, bytes.length);
  }

  /** Pushes the referrers tag of {@code subject}: an index listing {@code artifacts}. */
  public static void pushReferrersTag(
      String registryUrl, String repository, Digest subject, List<Artifact> artifacts) {
    StringBuilder index =
        new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
            .append(MediaTypes.OCI_INDEX)
            .append("\",\"manifests\":[");
    for (int i = 0; i < artifacts.size(); i++) {
      Artifact a = artifacts.get(i);
      if (i > 0) {
        index.append(',');
      }
      index.append(
          "{\"mediaType\":\""
              + MediaTypes.OCI_MANIFEST
              + "\",\"digest\":\""
              + a.digest()
              + "\",\"size\":"
              + a.size()
              + ",\"artifactType\":\""
              + ARTIFACT_TYPE
              + "\"}");
    }
    index.append("]}");
    put(
        registryUrl
            + "/v2/"
            + repository
            + "/manifests/"
            + subject.algorithm()
            + "-"
            + subject.encoded(),
        MediaTypes.OCI_INDEX,
        index.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String descriptor(String mediaType, Digest digest, long size) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + size
        + "}";
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
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
