package dev.hoist.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.config.Values;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One sync rule, validated on construction; its JSON form is what the API takes and returns, and
 * what the metadata store keeps:
 *
 * <pre>
 * {
 *   "name": "alpine",                          [a-z0-9][a-z0-9._-]*
 *   "upstream": "docker.io",                   a configured mirror upstream
 *   "repositories": ["library/alpine"],        upstream repository names
 *   "tags": {"include": "3\\..*", "exclude": ".*-rc.*", "semver": "&gt;=3.18 &lt;4", "newest": 3},
 *   "platforms": ["linux/amd64"],              absent or empty: every platform
 *   "destination": {"type": "hosted", "from": "library/*", "to": "mirror/library/*"}
 *                | {"type": "hosted", "to": "base/alpine"}      (a fixed name)
 *                | {"type": "hosted"}                           (the upstream name itself)
 *                | {"type": "mirror"}                           (the mirror cache: pre-warming)
 *   "schedule": {"interval": "6h"} | {"cron": "0 3 * * *"} | absent (run on demand only),
 *   "vanished": "keep" | "delete",             tags gone upstream (default keep)
 *   "warm": ["latest"],                        tags always copied and kept warm
 *   "enabled": true
 * }
 * </pre>
 */
record SyncRule(
    String name,
    String upstream,
    List<RepositoryName> repositories,
    TagFilter tags,
    List<Platform> platforms,
    Destination destination,
    Schedule schedule,
    boolean deleteVanished,
    List<Tag> warm,
    boolean enabled) {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Set<String> FIELDS =
      Set.of(
          "name",
          "upstream",
          "repositories",
          "tags",
          "platforms",
          "destination",
          "schedule",
          "vanished",
          "warm",
          "enabled");

  SyncRule {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("rule name '" + name + "' must match " + NAME.pattern());
    }
    Objects.requireNonNull(upstream, "upstream");
    repositories = List.copyOf(repositories);
    if (repositories.isEmpty()) {
      throw new IllegalArgumentException("a rule needs at least one repository");
    }
    Objects.requireNonNull(tags, "tags");
    platforms = List.copyOf(platforms);
    Objects.requireNonNull(destination, "destination");
    warm = List.copyOf(warm);
    for (RepositoryName repository : repositories) {
      destination.map(repository);
    }
  }

  /** Where a rule copies to. */
  record Destination(boolean mirrorCache, String from, String to) {
    Destination {
      if (mirrorCache && (from != null || to != null)) {
        throw new IllegalArgumentException("a mirror destination takes no from/to mapping");
      }
      if (from != null && (to == null || count(from) != 1 || count(to) != 1)) {
        throw new IllegalArgumentException(
            "destination from and to must each have exactly one '*' (from: "
                + from
                + ", to: "
                + to
                + ")");
      }
      if (from == null && to != null && to.contains("*")) {
        throw new IllegalArgumentException("destination to has a '*' but no from");
      }
      if (from == null && to != null) {
        RepositoryName.of(to);
      }
    }

    /** The hosted repository an upstream repository is copied to (mirror: the upstream name). */
    RepositoryName map(RepositoryName source) {
      if (mirrorCache || to == null) {
        return source;
      }
      if (from == null) {
        return RepositoryName.of(to);
      }
      int star = from.indexOf('*');
      String prefix = from.substring(0, star);
      String suffix = from.substring(star + 1);
      String name = source.value();
      if (!name.startsWith(prefix)
          || !name.endsWith(suffix)
          || name.length() < prefix.length() + suffix.length()) {
        throw new IllegalArgumentException(
            "repository " + name + " does not match destination from " + from);
      }
      String captured = name.substring(prefix.length(), name.length() - suffix.length());
      return RepositoryName.of(to.replace("*", captured));
    }

    private static int count(String s) {
      return (int) s.chars().filter(c -> c == '*').count();
    }
  }

  /** When a rule runs by itself: every interval, or at cron times; neither: on demand only. */
  record Schedule(Duration interval, CronExpression cron) {
    static final Schedule MANUAL = new Schedule(null, null);

    Schedule {
      if (interval != null && cron != null) {
        throw new IllegalArgumentException("a schedule has an interval or a cron, not both");
      }
      if (interval != null && interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("schedule interval must be at least 1s");
      }
    }

    /** The next run after {@code last} (an interval) or after {@code now} (cron); null: none. */
    java.time.Instant next(java.time.Instant now, java.time.Instant lastStart) {
      if (interval != null) {
        java.time.Instant base = lastStart == null ? now : lastStart;
        java.time.Instant due = base.plus(interval);
        return due.isBefore(now) ? now : due;
      }
      if (cron != null) {
        return cron.next(now);
      }
      return null;
    }
  }

  // JSON.

  static SyncRule fromJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("a sync rule is a JSON object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException("unknown sync rule field '" + field + "'");
      }
    }
    String name = text(node, "name", null);
    if (name == null) {
      throw new IllegalArgumentException("a sync rule needs a name");
    }
    String upstream = text(node, "upstream", null);
    if (upstream == null) {
      throw new IllegalArgumentException("rule " + name + ": upstream is required");
    }
    List<RepositoryName> repositories = new ArrayList<>();
    for (String r : strings(node, "repositories")) {
      repositories.add(RepositoryName.of(r));
    }
    JsonNode t = node.path("tags");
    TagFilter filter =
        t.isMissingNode() || t.isNull()
            ? TagFilter.ALL
            : new TagFilter(
                text(t, "include", null),
                text(t, "exclude", null),
                text(t, "semver", null),
                t.hasNonNull("newest") ? t.get("newest").asInt() : null);
    List<Platform> platforms = new ArrayList<>();
    for (String p : strings(node, "platforms")) {
      platforms.add(Platform.parse(p));
    }
    JsonNode d = node.path("destination");
    String type = text(d, "type", "hosted");
    Destination destination;
    switch (type) {
      case "hosted":
        destination = new Destination(false, text(d, "from", null), text(d, "to", null));
        break;
      case "mirror":
        destination = new Destination(true, text(d, "from", null), text(d, "to", null));
        break;
      default:
        throw new IllegalArgumentException(
            "rule " + name + ": destination type must be hosted or mirror, not " + type);
    }
    JsonNode s = node.path("schedule");
    Schedule schedule = Schedule.MANUAL;
    if (s.isObject()) {
      String interval = text(s, "interval", null);
      String cron = text(s, "cron", null);
      schedule =
          new Schedule(
              interval == null ? null : Values.duration("schedule.interval", interval),
              cron == null ? null : CronExpression.parse(cron));
    }
    String vanished = text(node, "vanished", "keep");
    if (!vanished.equals("keep") && !vanished.equals("delete")) {
      throw new IllegalArgumentException(
          "rule " + name + ": vanished must be keep or delete, not " + vanished);
    }
    List<Tag> warm = new ArrayList<>();
    for (String w : strings(node, "warm")) {
      warm.add(Tag.of(w));
    }
    boolean enabled = !node.has("enabled") || node.get("enabled").asBoolean(true);
    return new SyncRule(
        name,
        upstream,
        repositories,
        filter,
        platforms,
        destination,
        schedule,
        vanished.equals("delete"),
        warm,
        enabled);
  }

  ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.put("name", name);
    n.put("upstream", upstream);
    ArrayNode repos = n.putArray("repositories");
    repositories.forEach(r -> repos.add(r.value()));
    ObjectNode t = n.putObject("tags");
    putIfSet(t, "include", tags.include());
    putIfSet(t, "exclude", tags.exclude());
    putIfSet(t, "semver", tags.semver());
    if (tags.newest() != null) {
      t.put("newest", tags.newest());
    }
    ArrayNode ps = n.putArray("platforms");
    platforms.forEach(p -> ps.add(p.toString()));
    ObjectNode d = n.putObject("destination");
    d.put("type", destination.mirrorCache() ? "mirror" : "hosted");
    putIfSet(d, "from", destination.from());
    putIfSet(d, "to", destination.to());
    if (schedule.interval() != null) {
      n.putObject("schedule").put("interval", schedule.interval().toString());
    } else if (schedule.cron() != null) {
      n.putObject("schedule").put("cron", schedule.cron().toString());
    }
    n.put("vanished", deleteVanished ? "delete" : "keep");
    ArrayNode w = n.putArray("warm");
    warm.forEach(x -> w.add(x.value()));
    n.put("enabled", enabled);
    return n;
  }

  private static void putIfSet(ObjectNode n, String field, String value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode node, String field) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(field + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException(field + " must be a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }
}
