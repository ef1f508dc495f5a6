package dev.hoist.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.api.AdminGate;
import dev.hoist.api.ApiError;
import dev.hoist.pipeline.Stage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk's operator API, for a running server (a stopped one has {@code hoist gc} and {@code
 * hoist fsck}):
 *
 * <ul>
 *   <li>{@code GET /api/v1/admin/disk}: the cache's size and limit, the data disk's free space;
 *   <li>{@code POST /api/v1/admin/gc} ({@code ?dryRun=true}): garbage collection now;
 *   <li>{@code POST /api/v1/admin/evict}: an eviction round now.
 * </ul>
 *
 * Changes need an admin ({@link AdminGate}); answers are JSON, errors the {@link ApiError} shape.
 */
public final class DiskApi implements AutoCloseable {
  public static final String PREFIX = "/api/v1/admin";
  private static final Logger log = LoggerFactory.getLogger(DiskApi.class);

  private final Vertx vertx;
  private final DiskLifecycle disk;
  private final AdminGate gate;
  private final ObjectMapper json = new ObjectMapper();
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hoist-disk-api-", 0).factory());

  /**
   * @param users who may call it; null when the server has no auth (the API is open)
   */
  public DiskApi(Vertx vertx, DiskLifecycle disk, AdminGate.Users users) {
    this.vertx = vertx;
    this.disk = disk;
    this.gate = new AdminGate(users, "admin API");
  }

  /** Its own paths only: the accelerator's admin API shares the prefix. */
  private static final java.util.Set<String> PATHS =
      java.util.Set.of(PREFIX + "/disk", PREFIX + "/gc", PREFIX + "/evict");

  public Stage stage() {
    return Stage.answering(PATHS::contains, call -> handle(call.request()));
  }

  private void handle(HttpServerRequest request) {
    Context context = vertx.getOrCreateContext();
    request.pause();
    executor.execute(
        () -> {
          int status = 200;
          String body;
          try {
            gate.check(request);
            body = json.writeValueAsString(answer(request));
          } catch (ApiError e) {
            context.runOnContext(v -> e.send(request.response()));
            return;
          } catch (Exception e) {
            log.warn("admin API request failed: path={}", request.path(), e);
            context.runOnContext(v -> ApiError.internal().send(request.response()));
            return;
          }
          int code = status;
          context.runOnContext(
              v -> {
                request.resume();
                request
                    .response()
                    .setStatusCode(code)
                    .putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(body));
              });
        });
  }

  private ObjectNode answer(HttpServerRequest request) {
    String rest = request.path().substring(PREFIX.length());
    HttpMethod method = request.method();
    ObjectNode out = json.createObjectNode();
    switch (rest) {
      case "/disk" -> {
        requireMethod(method, HttpMethod.GET);
        DiskLifecycle.Status status = disk.status();
        ObjectNode cache = out.putObject("cache");
        cache.put("bytes", status.cache().bytes());
        cache.put("blobs", status.cache().blobs());
        cache.put("images", status.cache().images());
        cache.put("maxSize", status.maxSize());
        ObjectNode space = out.putObject("disk");
        space.put("total", status.space().total());
        space.put("free", status.space().usable());
        space.put("minFree", status.minFree());
      }
      case "/gc" -> {
        requireMethod(method, HttpMethod.POST);
        boolean dryRun = "true".equals(request.getParam("dryRun"));
        GarbageCollector.Report report = disk.collectGarbage(dryRun);
        out.put("dryRun", report.dryRun());
        out.put("blobs", report.blobs());
        out.put("bytes", report.bytes());
        out.put("orphans", report.orphans());
        out.put("uploads", report.uploads());
        out.put("spoolFiles", report.spoolFiles());
        out.put("spoolBytes", report.spoolBytes());
        out.put("tookMillis", report.took().toMillis());
      }
      case "/evict" -> {
        requireMethod(method, HttpMethod.POST);
        Eviction.Report report = disk.evictNow();
        out.put("needed", report.needed());
        out.put("images", report.images());
        out.put("blobs", report.blobs());
        out.put("bytes", report.bytes());
        out.put("tookMillis", report.took().toMillis());
      }
      default -> throw new ApiError(404, "NOT_FOUND", "no such endpoint");
    }
    return out;
  }

  private static void requireMethod(HttpMethod method, HttpMethod wanted) {
    if (method != wanted) {
      throw new ApiError(405, "METHOD_NOT_ALLOWED", "use " + wanted);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
