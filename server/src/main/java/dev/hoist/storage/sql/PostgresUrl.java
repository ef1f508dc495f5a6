package dev.hoist.storage.sql;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where the PostgreSQL store lives, from the URL an operator writes in {@code storage.metadata}:
 * {@code postgresql://[user[:password]@]host[:port]/database[?schema=name&param=value…]} (the libpq
 * form; {@code jdbc:postgresql://…} is accepted too). Other parameters go to the driver as they are
 * ({@code sslmode}, {@code ApplicationName}, …). The password is never part of {@link #toString()}
 * or {@link #redacted()}.
 */
public record PostgresUrl(
    String jdbcUrl,
    @Nullable String user,
    @Nullable String password,
    @Nullable String schema,
    String redacted) {

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** Parses a URL; the message of the exception never contains the password. */
  public static PostgresUrl parse(String text) {
    String url = text.startsWith("jdbc:") ? text.substring("jdbc:".length()) : text;
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "a PostgreSQL URL starts with postgresql:// (postgresql://user@host:5432/database)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL: " + e.getReason());
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("the URL names no host");
    }
    String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (database.isEmpty() || database.contains("/")) {
      throw new IllegalArgumentException("the URL names no database (…/database)");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        String[] kv = pair.split("=", 2);
        params.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
      }
    }
    // Credentials come from the user-info part only, so that redacting it is enough.
    if (params.containsKey("password") || params.containsKey("user")) {
      throw new IllegalArgumentException(
          "give the user and password as postgresql://user:password@host/…, not as parameters");
    }
    String schema = params.remove("schema");
    String currentSchema = params.remove("currentSchema");
    if (schema == null) {
      schema = currentSchema;
    }
    if (schema != null && !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema " + schema + " is not a plain lower-case SQL name ([a-z_][a-z0-9_]*)");
    }
    if (schema != null) {
      params.put("currentSchema", schema);
    }
    String hostPort = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    StringBuilder query = new StringBuilder();
    params.forEach(
        (k, v) ->
            query
                .append(query.isEmpty() ? "?" : "&")
                .append(encode(k))
                .append('=')
                .append(encode(v)));
    String jdbc = "jdbc:postgresql://" + hostPort + "/" + encode(database) + query;
    String shown =
        "postgresql://"
            + (user == null ? "" : user + (password == null ? "" : ":***") + "@")
            + hostPort
            + "/"
            + database
            + (schema == null ? "" : " schema " + schema);
    return new PostgresUrl(jdbc, user, password, schema, shown);
  }

  @Override
  public String toString() {
    return redacted;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
