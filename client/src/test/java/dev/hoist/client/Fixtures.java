package dev.hoist.client;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Shared bits of the client's unit tests. */
final class Fixtures {
  static final byte[] MANIFEST =
      ("{\"schemaVersion\":2,\"mediaType\":\""
              + MediaTypes.OCI_MANIFEST
              + "\",\"config\":{\"mediaType\":\""
              + MediaTypes.OCI_EMPTY
              + "\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
              + "\"size\":2},\"layers\":[]}")
          .getBytes(StandardCharsets.UTF_8);
  static final Digest MANIFEST_DIGEST = Digest.sha256(MANIFEST);

  private Fixtures() {}

  /** A client of {@code server} with no retries, recording (not sleeping) any waits. */
  static RegistryClient.Builder client(FakeServer server, List<Duration> sleeps) {
    return RegistryClient.builder(RegistryEndpoint.of(server.base()))
        .retryPolicy(RetryPolicy.none())
        .sleeper(sleeps::add);
  }

  static List<Duration> sleeps() {
    return new CopyOnWriteArrayList<>();
  }

  /** The decoded query parameters of a request, in order. */
  static Map<String, List<String>> query(FakeServer.Request r) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String raw = r.query();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  /** A token endpoint answer. */
  static String tokenJson(String token, long expiresIn, InstantSource clock) {
    return "{\"token\":\""
        + token
        + "\",\"expires_in\":"
        + expiresIn
        + ",\"issued_at\":\""
        + DateTimeFormatter.ISO_INSTANT.format(clock.instant())
        + "\"}";
  }

  /** The repository in a {@code /v2/<name>/(manifests|blobs|tags)/...} path. */
  static String repositoryOf(String path) {
    String rest = path.substring("/v2/".length());
    for (String marker : List.of("/manifests/", "/blobs/", "/tags/")) {
      int i = rest.indexOf(marker);
      if (i >= 0) {
        return rest.substring(0, i);
      }
    }
    return rest;
  }
}
