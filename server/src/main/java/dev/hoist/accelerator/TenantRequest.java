package dev.hoist.accelerator;

import dev.hoist.registry.PrefixedRequest;
import dev.hoist.registry.TransferGate;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import java.util.Optional;

/**
 * A request to a tenant's address as the registry sees it: the path without the {@code /m/<id>}
 * prefix (kept as its {@link PrefixedRequest#addressPath()}, so that tokens are bound to it), and a
 * {@link TransferGate} that reserves quota for each body before it is sent.
 */
final class TenantRequest extends HttpServerRequestWrapper
    implements TransferGate, PrefixedRequest {
  private final String path;
  private final String addressPath;
  private final TenantUsage usage;
  private final Quota quota;
  private long reservedLength;
  private boolean reserved;

  TenantRequest(
      HttpServerRequest request, String path, String addressPath, TenantUsage usage, Quota quota) {
    super((HttpServerRequestInternal) request);
    this.path = path;
    this.addressPath = addressPath;
    this.usage = usage;
    this.quota = quota;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String uri() {
    String query = delegate.query();
    return query == null ? path : path + "?" + query;
  }

  @Override
  public String addressPath() {
    return addressPath;
  }

  @Override
  public Optional<Refusal> admitTransfer(long length) {
    if (reserved) {
      // One body per request; a second call (there is none today) would need its own reservation.
      return Optional.empty();
    }
    if (!usage.reserve(length, quota.today())) {
      return Optional.of(quota.refusal(usage));
    }
    reserved = true;
    reservedLength = length;
    return Optional.empty();
  }

  @Override
  public boolean zeroCopy() {
    return false;
  }

  /** Called once the response is over (sent, or cut short): charges what was written. */
  void finished(long bodyBytesWritten) {
    if (reserved) {
      reserved = false;
      usage.settle(reservedLength, bodyBytesWritten, quota.today());
    } else {
      usage.charge(bodyBytesWritten, quota.today());
    }
  }
}
