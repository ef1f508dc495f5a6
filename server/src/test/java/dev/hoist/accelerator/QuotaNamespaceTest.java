package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Content;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.repository.TransferGate;
import dev.hoist.storage.AccountRecord;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Quotas as a decorator: what a tenant's requests may get, whatever namespace is below. */
class QuotaNamespaceTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final RepositoryName APP = RepositoryName.of("library/app");
  private static final byte[] BLOB = "twenty bytes of blob".getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.sha256(BLOB);

  private final MemoryMetadataStore metadata = new MemoryMetadataStore();
  private final LocalNamespace local =
      new LocalNamespace(new MemoryBlobStore(), metadata, InstantSource.fixed(NOW));
  private final QuotaLedger ledger =
      new QuotaLedger(metadata, InstantSource.fixed(NOW), QuotaPeriod.NONE, "node-a");

  /** Blob lookups that reached the namespace below (where a mirror would fetch upstream). */
  private final List<Digest> lookedUp = new ArrayList<>();

  /** The local namespace, recording every blob lookup. */
  private final Namespace recording =
      new Namespace() {
        @Override
        public Repository repository(RepositoryRequest request) {
          Repository repository = local.repository(request);
          return new Recorded(repository);
        }

        @Override
        public List<RepositoryName> repositories(RepositoryName last, int limit) {
          return local.repositories(last, limit);
        }
      };

  private final class Recorded implements Repository {
    private final Repository delegate;

    Recorded(Repository delegate) {
      this.delegate = delegate;
    }

    @Override
    public RepositoryName name() {
      return delegate.name();
    }

    @Override
    public Optional<Origin> origin() {
      return delegate.origin();
    }

    @Override
    public Manifests manifests() {
      return delegate.manifests();
    }

    @Override
    public Blobs blobs() {
      return (digest, head) -> {
        lookedUp.add(digest);
        return delegate.blobs().get(digest, head);
      };
    }

    @Override
    public Tags tags() {
      return delegate.tags();
    }

    @Override
    public Referrers referrers() {
      return delegate.referrers();
    }

    @Override
    public Writer writer() {
      return delegate.writer();
    }
  }

  private final Quota quota = new Quota(InstantSource.fixed(NOW), QuotaPeriod.NONE);

  private QuotaNamespaceTest() throws Exception {
    Repository.Writer writer = local.repository(RepositoryRequest.internal(APP)).writer();
    var upload = writer.uploads().create();
    upload.write(ByteBuffer.wrap(BLOB));
    writer.uploads().complete(upload.id(), upload, DIGEST);
  }

  /** An account with this quota that has used this much: its id. */
  private String account(long limit, long used) {
    metadata.write(
        tx -> {
          tx.accounts()
              .createAccount(
                  new AccountRecord(
                      "a1",
                      "a@example.com",
                      "alice",
                      "hash",
                      false,
                      "t1",
                      limit,
                      false,
                      "code",
                      null,
                      NOW));
          tx.accounts().addUsage("a1", LocalDate.of(2026, 12, 7), used);
          return null;
        });
    return "a1";
  }

  private TenantTransfer tenant(long limit, long used) {
    return new TenantTransfer(ledger, quota, account(limit, used));
  }

  private Repository.Blobs blobsFor(TransferGate gate) {
    return new QuotaNamespace(recording).repository(new RepositoryRequest(APP, null, gate)).blobs();
  }

  @Test
  void aTenantOverItsQuotaIsRefusedBeforeTheContentIsLookedUp() throws Exception {
    Repository.Blobs blobs = blobsFor(tenant(100, 100));

    assertThatThrownBy(() -> blobs.get(DIGEST, false))
        .isInstanceOfSatisfying(
            OciException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
              assertThat(e.headers()).containsKey("Retry-After");
            });
    assertThat(lookedUp).as("nothing was looked up, so nothing was fetched").isEmpty();
  }

  @Test
  void aHeadOfATenantOverItsQuotaStillAnswersItSendsNoBody() throws Exception {
    Content content = blobsFor(tenant(100, 100)).get(DIGEST, true);

    assertThat(content.size()).isEqualTo(BLOB.length);
  }

  @Test
  void contentForATenantGoesOutThroughItsGateWhichHoldsTheExactLength() throws Exception {
    String account = account(25, 0);
    TenantTransfer first = new TenantTransfer(ledger, quota, account);
    Content content = blobsFor(first).get(DIGEST, false);

    assertThat(content.gate()).isSameAs(first);
    assertThat(content.gate().zeroCopy()).as("metered bodies are counted by the chunk").isFalse();
    assertThat(content.gate().admissionBlocks()).as("holds are written to the store").isTrue();
    assertThat(content.gate().admitTransfer(BLOB.length)).isEmpty();
    assertThat(new TenantTransfer(ledger, quota, account).admitTransfer(BLOB.length))
        .as("20 held of 25: one more transfer may start, and may cross the limit")
        .isEmpty();
    assertThat(new TenantTransfer(ledger, quota, account).admitTransfer(BLOB.length))
        .as("40 held of 25: no transfer starts")
        .map(OciException::code)
        .contains(ErrorCode.TOOMANYREQUESTS);
  }

  @Test
  void requestsOfNoTenantPassThroughUntouched() throws Exception {
    Content content = blobsFor(TransferGate.UNLIMITED).get(DIGEST, false);

    assertThat(content.gate()).isSameAs(TransferGate.UNLIMITED);
    assertThat(lookedUp).containsExactly(DIGEST);
  }

  @Test
  void aTenantReachingItsQuotaIsLoggedOnceAndOnceWhenItIsBackUnder() throws Exception {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(QuotaLedger.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      String account = account(100, 100);
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(
                () -> blobsFor(new TenantTransfer(ledger, quota, account)).get(DIGEST, false))
            .isInstanceOf(OciException.class);
      }
      metadata.write(
          tx ->
              tx.accounts()
                  .updateAccount(tx.accounts().account(account).orElseThrow().withQuotaBytes(500)));
      for (int i = 0; i < 3; i++) {
        assertThat(new TenantTransfer(ledger, quota, account).admitRequest()).isEmpty();
      }
    } finally {
      logger.detachAppender(logged);
    }

    assertThat(logged.list)
        .extracting(e -> e.getFormattedMessage())
        .containsExactly(
            "tenant reached its quota: account=a1 used=100 limit=100",
            "tenant back under its quota: account=a1");
  }
}
