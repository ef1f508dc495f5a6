package dev.hoist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The paged lists of a repository: its tags ({@code /tags/list}) and a manifest's referrers ({@code
 * /referrers/<digest>}). Pages are followed by {@code Link: <...>; rel="next"}, only on the
 * registry's own origin, and a list that does not end is an error.
 */
final class Listings {
  private static final int MAX_TAGS_PAGE_BYTES = 16 << 20;
  private static final int MAX_PAGES = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Requests requests;
  private final int tagPageSize;

  Listings(Requests requests, int tagPageSize) {
    this.requests = requests;
    this.tagPageSize = tagPageSize;
  }

  List<String> tags(RepositoryName repository) throws RegistryException {
    String action = "GET tags " + requests.describe(repository);
    URI uri = requests.repository(repository, "/tags/list");
    if (tagPageSize > 0) {
      uri = TokenClient.withQuery(uri, "n=" + tagPageSize);
    }
    List<String> tags = new ArrayList<>();
    follow(
        uri,
        action,
        "tag",
        page ->
            Call.of("GET", page, Requests.pull(repository), action, 200)
                .notFound(ErrorCode.NAME_UNKNOWN),
        r -> {
          JsonNode json;
          try {
            json = JSON.readTree(r.readBody(MAX_TAGS_PAGE_BYTES));
          } catch (Wire.BodyTooLargeException e) {
            throw new RegistryException(
                ErrorCode.UPSTREAM_FAILED, 200, action, "a tag page is too large", false);
          } catch (IOException e) {
            throw Requests.readFailed(action, 200, e);
          }
          for (JsonNode t : json.path("tags")) {
            if (t.isTextual()) {
              tags.add(t.asText());
            }
          }
          return true;
        });
    return tags;
  }

  Optional<List<Descriptor>> referrers(RepositoryName repository, Digest subject)
      throws RegistryException {
    String action = "GET referrers " + requests.describe(repository, subject);
    List<Descriptor> out = new ArrayList<>();
    boolean offered =
        follow(
            requests.repository(repository, "/referrers/" + subject),
            action,
            "referrers",
            page ->
                Call.of("GET", page, Requests.pull(repository), action, 200, 400, 404, 405, 501)
                    .header("Accept", MediaTypes.OCI_INDEX),
            r -> {
              if (r.status() != 200) {
                return false;
              }
              out.addAll(index(r, action).references());
              return true;
            });
    return offered ? Optional.of(out) : Optional.empty();
  }

  private static Manifest index(Wire.Response r, String action) throws RegistryException {
    byte[] bytes;
    try {
      bytes = r.readBody(RegistryClient.MAX_MANIFEST_BYTES);
    } catch (Wire.BodyTooLargeException e) {
      throw Requests.tooLarge(action, r.status());
    } catch (IOException e) {
      throw Requests.readFailed(action, r.status(), e);
    }
    Manifest index;
    try {
      index = Manifest.parse(bytes, MediaTypes.OCI_INDEX);
    } catch (RuntimeException e) {
      throw new RegistryException(
          ErrorCode.UPSTREAM_FAILED,
          200,
          action,
          "the referrers answer is not an image index: " + e.getMessage(),
          false);
    }
    if (!(index instanceof ImageIndex)) {
      throw Requests.unexpected(action, r, "referrers answer (not an image index)");
    }
    return index;
  }

  /** Reads one page; false stops the listing (the registry does not offer it). */
  private interface PageReader {
    boolean read(Wire.Response r) throws RegistryException;
  }

  /**
   * Sends {@code callFor} each page from {@code first} on and gives each answer to {@code reader};
   * false when the reader stopped.
   */
  private boolean follow(
      URI first, String action, String what, Function<URI, Call> callFor, PageReader reader)
      throws RegistryException {
    Set<URI> seen = new HashSet<>();
    Origin registry = Origin.of(requests.endpoint().baseUri());
    URI uri = first;
    for (int page = 0; uri != null; page++) {
      if (page >= MAX_PAGES || !seen.add(uri)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED, 200, action, what + " pagination does not end", false);
      }
      Call call = callFor.apply(uri);
      try (Wire.Response r = requests.send(call)) {
        if (!reader.read(r)) {
          return false;
        }
        String next = LinkHeader.next(r.headers().allValues("Link"));
        uri = next == null ? null : Transport.resolve(r.uri(), next, call);
      }
      if (uri != null && !Origin.of(uri).equals(registry)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED,
            200,
            action,
            "the next " + what + " page is on another host",
            false);
      }
    }
    return true;
  }
}
