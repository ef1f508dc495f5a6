package dev.hoist.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A console user's HTTP client for tests: cookies kept, the CSRF token sent on every change. */
final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();

  final String base;
  final HttpClient http;
  String csrf;
  String session;
  String lastSetCookie;

  ApiClient(String base) {
    this.base = base;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  HttpResponse<String> send(String method, String path, Map<String, ?> body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    if (session != null) {
      b.header("Cookie", "hoist_session=" + session);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    r.headers()
        .firstValue("Set-Cookie")
        .ifPresent(
            c -> {
              lastSetCookie = c;
              String value = c.substring(c.indexOf('=') + 1, c.indexOf(';'));
              session = value.isEmpty() ? null : value;
            });
    return r;
  }

  JsonNode ok(String method, String path, Map<String, ?> body) throws Exception {
    HttpResponse<String> r = send(method, path, body);
    if (r.statusCode() / 100 != 2) {
      throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
    }
    JsonNode json = r.body().isEmpty() ? null : JSON.readTree(r.body());
    if (json != null && json.has("csrfToken")) {
      csrf = json.get("csrfToken").asText();
    }
    return json;
  }

  /** Signs up with a username made from the email ({@code alice@...}: {@code alice}). */
  JsonNode signup(String email, String password, String invite) throws Exception {
    return signup(email, Username.fromEmail(email, n -> false).value(), password, invite);
  }

  JsonNode signup(String email, String username, String password, String invite) throws Exception {
    Map<String, String> body = new java.util.HashMap<>();
    body.put("email", email);
    body.put("username", username);
    body.put("password", password);
    if (invite != null) {
      body.put("invite", invite);
    }
    return ok("POST", "/api/v1/signup", body);
  }

  /** Signs in with the email or the username. */
  JsonNode login(String name, String password) throws Exception {
    return ok("POST", "/api/v1/login", Map.of("email", name, "password", password));
  }

  /** Starts the accelerator; returns the tenant id. */
  String start() throws Exception {
    return ok("POST", "/api/v1/accelerator", null).get("tenantId").asText();
  }

  JsonNode usage() throws Exception {
    return ok("GET", "/api/v1/usage", null);
  }

  long used() throws Exception {
    return usage().get("used").asLong();
  }

  /** {@code GET /token} for {@code scope} with Basic credentials, as docker and skopeo ask. */
  HttpResponse<String> basicToken(String user, String password, String scope) throws Exception {
    String credentials = user + ":" + password;
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    base
                        + "/token?service=hoist&scope="
                        + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8)))
            .header(
                "Authorization",
                "Basic "
                    + java.util.Base64.getEncoder()
                        .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** {@code POST /token} with an OAuth2 form (password or refresh_token grant). */
  HttpResponse<String> tokenForm(String form) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A raw HTTP/1.1 request, so that tests can send any Host and X-Forwarded-Host. */
  static RawResponse raw(int port, String method, String path, String... headers)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      for (int i = 0; i + 1 < headers.length; i += 2) {
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      req.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] all = in.readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      String head = text.substring(0, end);
      int status = Integer.parseInt(head.substring(9, 12));
      return new RawResponse(status, head, all.length - end - 4, text.substring(end + 4));
    }
  }

  record RawResponse(int status, String head, long bodyLength, String body) {}
}
