package dev.hoist.registry;

import dev.hoist.repository.UploadJanitor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turns of upload sessions: requests to one session run one at a time ({@link #locked}), and so
 * does the purge of an abandoned one. The sessions themselves are the repositories' ({@link
 * dev.hoist.repository.Uploads}).
 */
final class UploadSessions {
  private static final Logger log = LoggerFactory.getLogger(UploadSessions.class);
  static final int PURGE_BATCH = 1000;

  private final Blocking blocking;
  private final UploadJanitor janitor;
  private final KeyedSerializer turns = new KeyedSerializer();

  UploadSessions(Blocking blocking, UploadJanitor janitor) {
    this.blocking = blocking;
    this.janitor = janitor;
  }

  /** Runs {@code task} when no other request of session {@code id} is running. */
  <T> Future<T> locked(Context context, String id, Supplier<Future<T>> task) {
    return turns.run(context, id, task);
  }

  /** Removes sessions untouched since {@code cutoff}, each in its turn; returns how many. */
  Future<Integer> purge(Context context, Instant cutoff) {
    return blocking
        .run(() -> janitor.staleSessions(cutoff, PURGE_BATCH))
        .compose(
            stale -> {
              List<Future<Boolean>> each =
                  stale.stream()
                      .map(
                          id ->
                              locked(
                                  context, id, () -> blocking.run(() -> janitor.purge(id, cutoff))))
                      .toList();
              return Future.join(each)
                  .transform(
                      ar -> {
                        int purged = 0;
                        for (Future<Boolean> f : each) {
                          if (f.succeeded() && f.result()) {
                            purged++;
                          } else if (f.failed()) {
                            log.warn("cannot purge upload session", f.cause());
                          }
                        }
                        return Future.succeededFuture(purged);
                      });
            });
  }
}
