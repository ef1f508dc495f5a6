package dev.hoist.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The images in an {@link ImageStore} as the commands show them: grouped by image (entries naming
 * the same manifest or index), with Docker's image ID, creation time and size.
 *
 * <ul>
 *   <li>Image ID: the config digest of an image manifest (as Docker's); for a multi-platform index
 *       stored whole, the index digest (as Docker's containerd image store shows it).
 *   <li>Created: the config's {@code created}. For an index, that of the current platform's image
 *       (else the first).
 *   <li>Size: the sum of the uncompressed sizes of the layer tars (gzip layers decompressed and
 *       counted; other compressions counted as stored), recorded by {@code pull} in the entry's
 *       {@value ImageStore#UNCOMPRESSED_SIZE} annotation and measured on demand when absent. For an
 *       index, over the distinct layers of all its images.
 * </ul>
 */
public final class LocalImages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX_PREFIX = Pattern.compile("(sha256:)?[0-9a-f]{1,64}");
  private static final DateTimeFormatter GO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final ImageStore store;

  public LocalImages(ImageStore store) {
    this.store = store;
  }

  /**
   * One image: every entry naming it, and what its config says.
   *
   * @param descriptor the manifest or index the entries name
   * @param names the entries, in {@code index.json} order
   * @param id the image ID ({@code sha256:...})
   * @param manifest the image manifest shown (for an index, the chosen platform's)
   * @param config the parsed config, or null when it is not an image config
   * @param configJson the config document, or an empty object
   * @param createdText {@code created} as the config writes it, or null
   */
  public record Image(
      Descriptor descriptor,
      List<ImageStore.Entry> names,
      Digest id,
      ImageManifest manifest,
      ImageConfig config,
      JsonNode configJson,
      String createdText,
      long size) {

    public Instant created() {
      return config == null ? null : config.created();
    }

    /** {@code ubuntu:latest} for every name with a tag. */
    public List<String> repoTags() {
      Set<String> out = new LinkedHashSet<>();
      for (ImageStore.Entry e : names) {
        if (e.reference() != null && e.reference().tag() != null) {
          out.add(e.reference().withDigest(null).familiar());
        }
      }
      return List.copyOf(out);
    }

    /** {@code ubuntu@sha256:...}: the repo digest of every name, and every name by digest. */
    public List<String> repoDigests() {
      Set<String> out = new LinkedHashSet<>();
      for (ImageStore.Entry e : names) {
        ImageReference r = e.reference();
        if (r == null) {
          continue;
        }
        Optional<Digest> d = e.repoDigest();
        if (d.isPresent()) {
          out.add(r.familiarName() + "@" + d.get());
        }
        if (r.digest() != null) {
          out.add(r.familiarName() + "@" + r.digest());
        }
      }
      return List.copyOf(out);
    }

    public Platform platform() {
      return config == null ? null : config.platform();
    }
  }

  /** Every image in the store, newest first. */
  public List<Image> all() throws IOException {
    Map<Digest, List<ImageStore.Entry>> byImage = new LinkedHashMap<>();
    for (ImageStore.Entry e : store.list()) {
      byImage.computeIfAbsent(e.descriptor().digest(), k -> new ArrayList<>()).add(e);
    }
    List<Image> out = new ArrayList<>();
    for (List<ImageStore.Entry> entries : byImage.values()) {
      Image i = image(entries);
      if (i != null) {
        out.add(i);
      }
    }
    out.sort(
        Comparator.comparing(
                (Image i) -> i.created() == null ? Instant.MIN : i.created(),
                Comparator.reverseOrder())
            .thenComparing(i -> i.id().toString()));
    return out;
  }

  /**
   * The image a user means: a name ({@code ubuntu}, {@code ubuntu:22.04}, {@code
   * ubuntu@sha256:...}), else an image ID or a unique prefix of one ({@code sha256:} optional), or
   * a manifest digest.
   *
   * @throws ImageException NOT_FOUND when nothing matches, USAGE when a prefix is ambiguous
   */
  public Image find(String userRef) throws ImageException, IOException {
    ImageReference ref = null;
    try {
      ref = ImageReference.parse(userRef);
    } catch (InvalidReferenceException e) {
      // maybe an ID
    }
    if (ref != null) {
      Optional<ImageStore.Entry> e = store.resolve(ref);
      if (e.isPresent()) {
        return imageOf(e.get().descriptor().digest());
      }
    }
    String s = userRef.toLowerCase(Locale.ROOT);
    if (HEX_PREFIX.matcher(s).matches()) {
      String hex = s.startsWith("sha256:") ? s.substring(7) : s;
      List<Image> hits = new ArrayList<>();
      for (Image i : all()) {
        if (i.id().encoded().startsWith(hex) || i.descriptor().digest().encoded().startsWith(hex)) {
          hits.add(i);
        }
      }
      if (hits.size() == 1) {
        return hits.get(0);
      }
      if (hits.size() > 1) {
        throw new ImageException(
            ImageException.Kind.USAGE,
            "image ID prefix '"
                + userRef
                + "' is ambiguous: it matches "
                + hits.size()
                + " images");
      }
    }
    String shown =
        ref != null && !userRef.contains("@") && !hasTag(userRef) ? userRef + ":latest" : userRef;
    throw new ImageException(ImageException.Kind.NOT_FOUND, "No such image: " + shown);
  }

  /** The image whose manifest or index is {@code digest}, with all its names. */
  public Image imageOf(Digest digest) throws IOException {
    List<ImageStore.Entry> entries = new ArrayList<>();
    for (ImageStore.Entry e : store.list()) {
      if (e.descriptor().digest().equals(digest)) {
        entries.add(e);
      }
    }
    return entries.isEmpty() ? null : image(entries);
  }

  private Image image(List<ImageStore.Entry> entries) throws IOException {
    Descriptor d = entries.get(0).descriptor();
    if (!store.hasBlob(d.digest())) {
      return null;
    }
    Manifest m = store.readManifest(d);
    ImageManifest shown;
    Digest id;
    List<ImageManifest> all = new ArrayList<>();
    if (m instanceof ImageIndex index) {
      for (Descriptor child : index.manifests()) {
        if (store.hasBlob(child.digest())
            && store.readManifest(child) instanceof ImageManifest im) {
          all.add(im);
        }
      }
      Descriptor pick = index.select(Platform.current()).orElse(null);
      shown =
          all.stream()
              .filter(im -> pick != null && im.digest().equals(pick.digest()))
              .findFirst()
              .orElse(all.stream().filter(LocalImages::isImage).findFirst().orElse(null));
      id = index.digest();
      if (shown == null) {
        return new Image(d, List.copyOf(entries), id, null, null, JSON.createObjectNode(), null, 0);
      }
    } else {
      shown = (ImageManifest) m;
      all.add(shown);
      id = shown.config().digest();
    }
    ImageConfig config = null;
    JsonNode configJson = JSON.createObjectNode();
    String createdText = null;
    if (store.hasBlob(shown.config().digest()) && isImage(shown)) {
      byte[] raw = store.readBlob(shown.config().digest());
      try {
        config = ImageConfig.parse(raw);
        configJson = JSON.readTree(raw);
        JsonNode c = configJson.get("created");
        createdText = c != null && c.isTextual() ? c.asText() : null;
      } catch (IllegalArgumentException | IOException e) {
        config = null;
      }
    }
    long size = size(entries, all);
    return new Image(d, List.copyOf(entries), id, shown, config, configJson, createdText, size);
  }

  private static boolean isImage(ImageManifest m) {
    String t = m.config().mediaType();
    return dev.hoist.oci.MediaTypes.OCI_CONFIG.equals(t)
        || dev.hoist.oci.MediaTypes.DOCKER_CONFIG.equals(t);
  }

  private long size(List<ImageStore.Entry> entries, List<ImageManifest> manifests)
      throws IOException {
    for (ImageStore.Entry e : entries) {
      String s = e.descriptor().annotations().get(ImageStore.UNCOMPRESSED_SIZE);
      if (s != null) {
        try {
          return Long.parseLong(s);
        } catch (NumberFormatException ex) {
          // measure instead
        }
      }
    }
    Map<Digest, Descriptor> layers = new LinkedHashMap<>();
    for (ImageManifest m : manifests) {
      if (isImage(m)) {
        m.layers().forEach(l -> layers.putIfAbsent(l.digest(), l));
      }
    }
    long total = 0;
    for (Descriptor l : layers.values()) {
      if (store.hasBlob(l.digest())) {
        total += LayerMeasure.of(store, l.mediaType(), l.digest()).uncompressedSize();
      }
    }
    return total;
  }

  // ---- docker images ----

  /** One line of {@code hoist images}. */
  public record Row(
      String repository, String tag, String digest, String id, String created, String size) {}

  /**
   * The rows of {@code hoist images}: one per tag; an image with no tag in a repository but named
   * by digest there gets one {@code <none>} row for that repository; an unnamed image one {@code
   * <none> <none>} row. {@code filter} ({@code REPOSITORY[:TAG]}, null for all) keeps the rows of
   * that repository (and tag).
   */
  public List<Row> rows(String filter, Instant now) throws IOException, ImageException {
    ImageReference want = null;
    if (filter != null) {
      try {
        want = ImageReference.parseWithoutDefaultTag(filter);
      } catch (InvalidReferenceException e) {
        throw new ImageException(ImageException.Kind.USAGE, filter + ": " + e.getMessage(), e);
      }
    }
    List<Row> out = new ArrayList<>();
    for (Image i : all()) {
      String shortId = i.id().encoded().substring(0, 12);
      String created = HumanUnits.since(i.created(), now);
      String size = HumanUnits.imageSize(i.size());
      Map<String, ImageStore.Entry> repos = new LinkedHashMap<>();
      List<Row> mine = new ArrayList<>();
      for (ImageStore.Entry e : i.names()) {
        ImageReference r = e.reference();
        if (r == null) {
          continue;
        }
        if (r.tag() != null) {
          String digest =
              e.repoDigest()
                  .map(Digest::toString)
                  .orElse(r.digest() == null ? "<none>" : r.digest().toString());
          mine.add(new Row(r.familiarName(), r.tag().value(), digest, shortId, created, size));
        }
        repos.putIfAbsent(r.canonicalName(), e);
      }
      for (ImageStore.Entry e : repos.values()) {
        ImageReference r = e.reference();
        boolean repoHasTag =
            i.names().stream()
                .anyMatch(
                    x ->
                        x.reference() != null
                            && x.reference().tag() != null
                            && x.reference().canonicalName().equals(r.canonicalName()));
        if (!repoHasTag) {
          String digest =
              r.digest() != null
                  ? r.digest().toString()
                  : e.repoDigest().map(Digest::toString).orElse("<none>");
          mine.add(new Row(r.familiarName(), "<none>", digest, shortId, created, size));
        }
      }
      if (mine.isEmpty()) {
        mine.add(new Row("<none>", "<none>", "<none>", shortId, created, size));
      }
      for (Row row : mine) {
        if (matches(want, row, i)) {
          out.add(row);
        }
      }
    }
    return out;
  }

  private static boolean matches(ImageReference want, Row row, Image image) {
    if (want == null) {
      return true;
    }
    for (ImageStore.Entry e : image.names()) {
      ImageReference r = e.reference();
      if (r != null
          && r.registry().equals(want.registry())
          && r.repository().equals(want.repository())
          && r.familiarName().equals(row.repository())) {
        return want.tag() == null || want.tag().value().equals(row.tag());
      }
    }
    return false;
  }

  /** The JSON object {@code docker images --format json} prints for a row. */
  public static ObjectNode rowJson(Row row, Image image) {
    ObjectNode o = JSON.createObjectNode();
    o.put("Containers", "N/A");
    o.put("CreatedAt", image.created() == null ? "N/A" : GO_TIME.format(image.created()));
    o.put("CreatedSince", row.created());
    o.put("Digest", row.digest());
    o.put("ID", row.id());
    o.put("Repository", row.repository());
    o.put("SharedSize", "N/A");
    o.put("Size", row.size());
    o.put("Tag", row.tag());
    o.put("UniqueSize", "N/A");
    o.put("VirtualSize", row.size());
    return o;
  }

  // ---- docker image inspect ----

  /** The object {@code docker image inspect} prints for an image. */
  public static ObjectNode inspectJson(Image i) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("Id", i.id().toString());
    ArrayNode tags = o.putArray("RepoTags");
    i.repoTags().forEach(tags::add);
    ArrayNode digests = o.putArray("RepoDigests");
    i.repoDigests().forEach(digests::add);
    o.put("Parent", "");
    o.put("Comment", text(i.configJson(), "comment"));
    o.put("Created", i.createdText() == null ? "" : i.createdText());
    o.put("DockerVersion", text(i.configJson(), "docker_version"));
    o.put("Author", text(i.configJson(), "author"));
    JsonNode config = i.configJson().get("config");
    o.set("Config", config == null ? f.nullNode() : config.deepCopy());
    Platform p = i.platform();
    o.put("Architecture", p == null ? "" : p.architecture());
    if (p != null && p.variant() != null) {
      o.put("Variant", p.variant());
    }
    o.put("Os", p == null ? "" : p.os());
    if (p != null && p.osVersion() != null) {
      o.put("OsVersion", p.osVersion());
    }
    o.put("Size", i.size());
    ObjectNode rootfs = o.putObject("RootFS");
    rootfs.put("Type", "layers");
    ArrayNode layers = rootfs.putArray("Layers");
    if (i.config() != null) {
      i.config().diffIds().forEach(d -> layers.add(d.toString()));
    }
    ObjectNode meta = o.putObject("Metadata");
    String tagged = null;
    for (ImageStore.Entry e : i.names()) {
      String t = e.descriptor().annotations().get(ImageStore.TAGGED_AT);
      if (t != null && (tagged == null || t.compareTo(tagged) > 0)) {
        tagged = t;
      }
    }
    meta.put("LastTagTime", tagged == null ? "0001-01-01T00:00:00Z" : tagged);
    ObjectNode hoist = o.putObject("Descriptor");
    hoist.put("mediaType", i.descriptor().mediaType());
    hoist.put("digest", i.descriptor().digest().toString());
    hoist.put("size", i.descriptor().size());
    return o;
  }

  private static String text(JsonNode node, String field) {
    JsonNode n = node.get(field);
    return n != null && n.isTextual() ? n.asText() : "";
  }

  private static boolean hasTag(String userRef) {
    int slash = userRef.lastIndexOf('/');
    return userRef.indexOf(':', slash + 1) >= 0;
  }
}
