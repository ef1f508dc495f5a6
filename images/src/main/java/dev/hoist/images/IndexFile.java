package dev.hoist.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.images.ImageStore.Entry;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's {@code index.json}, an OCI image index with one entry per name, read and written
 * whole. Readers need no lock (the file is replaced atomically); {@link #write} is for a caller
 * holding the index lock, between its read and its write.
 */
final class IndexFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  IndexFile(Path file) {
    this.file = file;
  }

  boolean exists() {
    return Files.exists(file);
  }

  /** Every entry, in order; none when the file is absent. */
  List<Entry> read() throws IOException {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Manifest parsed;
    try {
      parsed = Manifest.parse(raw, MediaTypes.OCI_INDEX);
    } catch (RuntimeException e) {
      throw new IOException("the store's " + file + " is not a valid OCI index: " + e, e);
    }
    if (!(parsed instanceof ImageIndex index)) {
      throw new IOException("the store's " + file + " is not an OCI index");
    }
    List<Entry> out = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      String name = d.annotations().get(ImageStore.REF_NAME);
      ImageReference ref = null;
      if (name != null) {
        try {
          ref = ImageReference.parseWithoutDefaultTag(name).withDefaultTag();
        } catch (InvalidReferenceException e) {
          ref = null; // named by another tool in a way we cannot read: shown as <none>
        }
      }
      out.add(new Entry(name, ref, d));
    }
    return out;
  }

  /** Writes index.json atomically; the caller holds the index lock. */
  void write(List<Entry> entries) throws IOException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Entry e : entries) {
      manifests.add(descriptorJson(e.descriptor()));
    }
    AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
  }

  /** A descriptor as OCI JSON. */
  static ObjectNode descriptorJson(Descriptor d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("mediaType", d.mediaType());
    o.put("digest", d.digest().toString());
    o.put("size", d.size());
    if (d.artifactType() != null) {
      o.put("artifactType", d.artifactType());
    }
    if (!d.urls().isEmpty()) {
      ArrayNode urls = o.putArray("urls");
      d.urls().forEach(urls::add);
    }
    if (!d.annotations().isEmpty()) {
      ObjectNode a = o.putObject("annotations");
      d.annotations().forEach(a::put);
    }
    Platform p = d.platform();
    if (p != null) {
      ObjectNode po = o.putObject("platform");
      po.put("architecture", p.architecture());
      po.put("os", p.os());
      if (p.osVersion() != null) {
        po.put("os.version", p.osVersion());
      }
      if (!p.osFeatures().isEmpty()) {
        ArrayNode f = po.putArray("os.features");
        p.osFeatures().forEach(f::add);
      }
      if (p.variant() != null) {
        po.put("variant", p.variant());
      }
    }
    return o;
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
