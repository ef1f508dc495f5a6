package dev.hoist.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.api.AdminGate;
import dev.hoist.api.ApiError;
import dev.hoist.config.ConfigException;
import dev.hoist.storage.SyncStatus;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API of sync, under {@code /api/v1/sync}; the composition root serves it when {@link
 * SyncConfig#apiEnabledOn} says so.
 *
 * <p>Who may call it: when the server has auth ({@code auth:} in the configuration), every request
 * needs HTTP Basic credentials of a user the auth service knows (htpasswd or accelerator account;
 * the same ones {@code docker login} uses). Reading rules and status needs any signed-in user (the
 * status names upstream repositories and carries upstream error messages); creating, replacing or
 * deleting a rule and starting a run need an admin ({@code auth.admins}, or an accelerator admin),
 * the same admin flag that gives everything on {@code /v2/}. No or wrong credentials: 401 with
 * {@code WWW-Authenticate: Basic}; a signed-in user who is not an admin: 403. Without auth the API
 * is open, and then it is served by default only on a loopback address.
 *
 * <pre>
 * GET    /api/v1/sync                  every rule with its status       200
 * POST   /api/v1/sync                  create a rule (JSON body)        201, 400, 409
 * GET    /api/v1/sync/NAME             one rule with its status         200, 404
 * PUT    /api/v1/sync/NAME             create or replace a rule         200 | 201, 400
 * DELETE /api/v1/sync/NAME             delete a rule and its status     204, 404
 * POST   /api/v1/sync/NAME/run         start a run now                  202 (?wait=true: 200 and
 *                                                                        the status when it ends)
 * GET    /api/v1/sync/NAME/status      the status                       200, 404
 * </pre>
 *
 * Errors are the one shape of {@code /api/v1/} ({@link ApiError}): {@code
 * {"errors":[{"code":"RULE_UNKNOWN","message":"no sync rule alpine"}]}} with the HTTP status. The
 * codes: 400 {@code BODY_INVALID} (not JSON), {@code RULE_INVALID} (the rule is wrong: the message
 * names the field); 401 {@code UNAUTHORIZED}; 403 {@code FORBIDDEN}; 404 {@code RULE_UNKNOWN},
 * {@code NOT_FOUND} (no such endpoint); 405 {@code METHOD_NOT_ALLOWED}; 409 {@code RULE_EXISTS},
 * {@code RUNNING_ELSEWHERE} ({@code ?wait=true} while another node of the cluster runs the rule);
 * 500 {@code RUN_FAILED} ({@code ?wait=true}), {@code INTERNAL}.
 */
public final class SyncApi implements AutoCloseable {
  public static final String PREFIX = "/api/v1/sync";
  private static final Logger log = LoggerFactory.getLogger(SyncApi.class);

  /** The users the API checks when the server has auth (its admins are the registry's). */
  public interface Users extends AdminGate.Users {}

  private final Vertx vertx;
  private final SyncService sync;
  private final AdminGate gate;
  private final ObjectMapper json;
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hoist-sync-api-", 0).factory());

  /**
   * @param users who may call the API; null when the server has no auth (the API is open)
   */
  public SyncApi(Vertx vertx, SyncService sync, Users users) {
    this.vertx = vertx;
    this.sync = sync;
    this.gate = new AdminGate(users, "sync API");
    this.json = sync.json();
  }

  /** Whether a request path belongs to this API. */
  public static boolean handles(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
  }

  public Handler<HttpServerRequest> handler() {
    return request -> {
      Context context = vertx.getOrCreateContext();
      request
          .body()
          .onSuccess(
              body ->
                  executor.execute(
                      () -> {
                        Reply reply;
                        ApiError error = null;
                        try {
                          gate.check(request);
                          reply = handle(request, body);
                        } catch (RuntimeException e) {
                          reply = null;
                          error = apiError(request, e);
                        }
                        Reply r = reply;
                        ApiError failed = error;
                        context.runOnContext(
                            v -> {
                              if (failed != null) {
                                failed.send(request.response());
                                return;
                              }
                              request
                                  .response()
                                  .setStatusCode(r.status())
                                  .putHeader("Content-Type", "application/json")
                                  .end(Buffer.buffer(r.body()));
                            });
                      }))
          .onFailure(
              e ->
                  new ApiError(400, "BODY_INVALID", "the body could not be read")
                      .send(request.response()));
    };
  }

  /** The answer to a failed request: its {@link ApiError}, or one made from another failure. */
  private static ApiError apiError(HttpServerRequest request, RuntimeException e) {
    if (e instanceof ApiError a) {
      return a;
    }
    if (e instanceof ConfigException c) {
      // A field of the rule: "schedule.interval: '6 hours' is not a duration (…)".
      return new ApiError(400, "RULE_INVALID", c.setting() + ": " + c.problem());
    }
    if (e instanceof IllegalArgumentException) {
      return new ApiError(400, "RULE_INVALID", e.getMessage());
    }
    if (e instanceof IllegalStateException) {
      return new ApiError(409, "RULE_EXISTS", e.getMessage());
    }
    log.warn("sync API request failed: method={} path={}", request.method(), request.path(), e);
    return ApiError.internal();
  }

  private record Reply(int status, String body) {}

  private Reply handle(HttpServerRequest request, Buffer body) {
    String rest = request.path().substring(PREFIX.length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    HttpMethod method = request.method();
    if (rest.isEmpty()) {
      if (method == HttpMethod.GET) {
        ObjectNode out = json.createObjectNode();
        ArrayNode rules = out.putArray("rules");
        for (SyncRule rule : sync.rules()) {
          rules.add(describe(rule));
        }
        return ok(200, out);
      }
      if (method == HttpMethod.POST) {
        SyncRule rule = sync.parseRule(parse(body));
        sync.save(rule, false);
        return ok(201, describe(rule));
      }
      throw methodNotAllowed();
    }
    String[] parts = rest.substring(1).split("/");
    String name = parts[0];
    if (parts.length == 1) {
      if (method == HttpMethod.GET) {
        return sync.rule(name).map(r -> ok(200, describe(r))).orElseThrow(() -> unknownRule(name));
      }
      if (method == HttpMethod.PUT) {
        JsonNode node = parse(body);
        if (node.isObject() && !node.has("name")) {
          ((ObjectNode) node).put("name", name);
        }
        SyncRule rule = sync.parseRule(node);
        if (!rule.name().equals(name)) {
          throw new ApiError(
              400, "RULE_INVALID", "the body names rule " + rule.name() + ", the path " + name);
        }
        boolean created = sync.save(rule, true);
        return ok(created ? 201 : 200, describe(rule));
      }
      if (method == HttpMethod.DELETE) {
        if (!sync.delete(name)) {
          throw unknownRule(name);
        }
        return new Reply(204, "");
      }
      throw methodNotAllowed();
    }
    if (parts.length == 2 && parts[1].equals("run") && method == HttpMethod.POST) {
      if (sync.rule(name).isEmpty()) {
        throw unknownRule(name);
      }
      CompletableFuture<SyncStatus> run = sync.runNow(name);
      if ("true".equals(request.getParam("wait"))) {
        try {
          return ok(200, status(run.get(), name));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApiError(500, "RUN_FAILED", "the run was interrupted");
        } catch (ExecutionException e) {
          if (e.getCause() instanceof SyncService.RunningElsewhere elsewhere) {
            throw new ApiError(409, "RUNNING_ELSEWHERE", elsewhere.getMessage());
          }
          throw new ApiError(500, "RUN_FAILED", "the run failed: " + e.getMessage());
        }
      }
      ObjectNode out = json.createObjectNode();
      out.put("rule", name);
      out.put("running", true);
      return ok(202, out);
    }
    if (parts.length == 2 && parts[1].equals("status") && method == HttpMethod.GET) {
      if (sync.rule(name).isEmpty()) {
        throw unknownRule(name);
      }
      return ok(200, status(sync.status(name).orElse(null), name));
    }
    throw new ApiError(404, "NOT_FOUND", "no such endpoint");
  }

  private static ApiError unknownRule(String name) {
    return new ApiError(404, "RULE_UNKNOWN", "no sync rule " + name);
  }

  private static ApiError methodNotAllowed() {
    return new ApiError(405, "METHOD_NOT_ALLOWED", "method not allowed");
  }

  private ObjectNode describe(SyncRule rule) {
    ObjectNode out = rule.toJson(json);
    out.set("status", status(sync.status(rule.name()).orElse(null), rule.name()));
    return out;
  }

  private ObjectNode status(SyncStatus s, String name) {
    ObjectNode out = json.createObjectNode();
    out.put("rule", name);
    out.put("running", sync.isRunning(name));
    putTime(out, "lastStarted", s == null ? null : s.lastStarted());
    putTime(out, "lastFinished", s == null ? null : s.lastFinished());
    putTime(out, "nextRun", sync.nextRun(name, s));
    out.put("copiedImages", s == null ? 0 : s.copiedImages());
    out.put("skippedImages", s == null ? 0 : s.skippedImages());
    out.put("failedImages", s == null ? 0 : s.failedImages());
    out.put("copiedBytes", s == null ? 0 : s.copiedBytes());
    if (s == null || s.lastError() == null) {
      out.putNull("lastError");
    } else {
      out.put("lastError", s.lastError());
    }
    return out;
  }

  private static void putTime(ObjectNode out, String field, Instant t) {
    if (t == null) {
      out.putNull(field);
    } else {
      out.put(field, t.toString());
    }
  }

  private JsonNode parse(Buffer body) {
    try {
      return json.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "BODY_INVALID", "the body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiError(400, "BODY_INVALID", "the body is not JSON");
    }
  }

  private Reply ok(int status, JsonNode body) {
    return new Reply(status, body.toString());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
