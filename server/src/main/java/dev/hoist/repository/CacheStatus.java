package dev.hoist.repository;

/** How the mirror's cache answered, sent to clients as {@code X-Hoist-Cache}. */
public enum CacheStatus {
  /** Served from the cache, fresh. */
  HIT,
  /** Fetched from the upstream for this request. */
  MISS,
  /** The cached copy was checked with the upstream and is still current. */
  REVALIDATED,
  /** Served from the cache past its fresh time, because the upstream failed or is refreshing. */
  STALE
}
