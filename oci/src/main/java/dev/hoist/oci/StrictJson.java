package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads registry JSON the way it must be read when other parsers (Go's encoding/json in Docker,
 * containerd, Distribution) will read the same bytes: strict UTF-8, no byte order mark, no
 * duplicate keys, nothing after the document, and no keys that differ from a known field only in
 * case (Go matches field names case-insensitively). Any of those would let two parsers see two
 * different documents in one digest.
 *
 * <p>Field helpers treat JSON {@code null} as absent, as Go does, and name the failing field by its
 * path ({@code layers[2].size}).
 */
final class StrictJson {
  // ObjectReader is immutable and thread-safe once built.
  private static final ObjectReader READER =
      new ObjectMapper(
              JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .reader();

  private StrictJson() {}

  /** A malformed or mis-shaped document; the parsers rethrow it as their own exception. */
  static final class ShapeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ShapeException(String message) {
      super(message);
    }

    ShapeException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Parses {@code raw} as one JSON object. */
  static ObjectNode readObject(byte[] raw) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ShapeException("not valid UTF-8", e);
    }
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
      throw new ShapeException("malformed JSON: starts with a byte order mark");
    }
    JsonNode node;
    try {
      node = READER.readTree(text);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new ShapeException("malformed JSON: " + e.getOriginalMessage() + where, e);
    }
    if (node == null || !node.isObject()) {
      throw new ShapeException("not a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Refuses keys that a case-insensitive reader would take for one of {@code known}. */
  static void checkKeyCase(ObjectNode node, String path, Set<String> known) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (known.contains(name)) {
        continue;
      }
      for (String k : known) {
        if (k.equalsIgnoreCase(name)) {
          throw new ShapeException(
              "field "
                  + Texts.quote(join(path, name))
                  + " differs from "
                  + Texts.quote(k)
                  + " only in case");
        }
      }
    }
  }

  static boolean has(ObjectNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  /** A string, or null when absent. */
  static @Nullable String string(ObjectNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new ShapeException(join(path, field) + " must be a string");
    }
    return v.textValue();
  }

  /** A string that must be present. */
  static String requiredString(ObjectNode node, String field, String path) {
    String s = string(node, field, path);
    if (s == null) {
      throw missing(path, field);
    }
    return s;
  }

  /** An integer that fits in a long, or null when absent. */
  static @Nullable Long integer(ObjectNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new ShapeException(join(path, field) + " must be an integer, got " + abbreviate(v));
    }
    return v.longValue();
  }

  /** An integer that fits in a long and must be present. */
  static long requiredInteger(ObjectNode node, String field, String path) {
    Long n = integer(node, field, path);
    if (n == null) {
      throw missing(path, field);
    }
    return n;
  }

  static boolean bool(ObjectNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new ShapeException(join(path, field) + " must be true or false");
    }
    return v.booleanValue();
  }

  /** An object, or null when absent. */
  static @Nullable ObjectNode object(ObjectNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw new ShapeException(join(path, field) + " must be an object");
    }
    return (ObjectNode) v;
  }

  /** The elements of an array of objects; empty when absent and not required. */
  static List<ObjectNode> objects(ObjectNode node, String field, String path, boolean required) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw missing(path, field);
      }
      return List.of();
    }
    if (!v.isArray()) {
      throw new ShapeException(join(path, field) + " must be an array");
    }
    List<ObjectNode> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isObject()) {
        throw new ShapeException(join(path, field) + "[" + i + "] must be an object");
      }
      out.add((ObjectNode) e);
    }
    return out;
  }

  /** An array of strings; empty when absent. */
  static List<String> strings(ObjectNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new ShapeException(join(path, field) + " must be an array of strings");
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual()) {
        throw new ShapeException(join(path, field) + "[" + i + "] must be a string");
      }
      out.add(e.textValue());
    }
    return List.copyOf(out);
  }

  /** An object of string values, in document order; empty when absent. */
  static Map<String, String> stringMap(ObjectNode node, String field, String path) {
    ObjectNode o = object(node, field, path);
    if (o == null || o.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (!e.getValue().isTextual()) {
        throw new ShapeException(
            join(path, field) + "[" + Texts.quote(e.getKey()) + "] must be a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return Collections.unmodifiableMap(out);
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static ShapeException missing(String path, String field) {
    return new ShapeException(join(path, field) + " is required");
  }

  private static String abbreviate(JsonNode v) {
    String s = v.toString();
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
