package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedSerializerTest {
  private final Vertx vertx = Vertx.vertx();
  private final KeyedSerializer serializer = new KeyedSerializer();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void tasksOfOneKeyRunOneAfterAnotherInArrivalOrder() throws Exception {
    Context context = vertx.getOrCreateContext();
    List<String> events = new CopyOnWriteArrayList<>();
    Promise<Void> firstGate = Promise.promise();
    Future<Void> first =
        serializer.run(
            context,
            "k",
            () -> {
              events.add("first starts");
              return firstGate.future().onComplete(ar -> events.add("first ends"));
            });
    Future<Void> second =
        serializer.run(
            context,
            "k",
            () -> {
              events.add("second runs");
              return Future.succeededFuture();
            });
    Thread.sleep(100);
    assertThat(events).containsExactly("first starts");
    firstGate.complete();
    Future.all(first, second).await(5, TimeUnit.SECONDS);
    assertThat(events).containsExactly("first starts", "first ends", "second runs");
    assertThat(serializer.activeKeys()).isZero();
  }

  @Test
  void otherKeysDoNotWait() throws Exception {
    Context context = vertx.getOrCreateContext();
    Promise<Void> blocked = Promise.promise();
    serializer.run(context, "a", blocked::future);
    Future<String> other = serializer.run(context, "b", () -> Future.succeededFuture("done"));
    assertThat(other.await(5, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(serializer.activeKeys()).isEqualTo(1);
    blocked.complete();
  }

  @Test
  void aFailingTaskReleasesItsKey() throws Exception {
    Context context = vertx.getOrCreateContext();
    Future<Void> failed =
        serializer.run(
            context,
            "k",
            () -> {
              throw new IllegalStateException("boom");
            });
    Future<Void> failedLater =
        serializer.run(context, "k", () -> Future.failedFuture(new IllegalStateException("x")));
    Future<String> next = serializer.run(context, "k", () -> Future.succeededFuture("ran"));
    assertThat(next.await(5, TimeUnit.SECONDS)).isEqualTo("ran");
    assertThat(failed.failed()).isTrue();
    assertThat(failedLater.failed()).isTrue();
    assertThat(serializer.activeKeys()).isZero();
  }
}
