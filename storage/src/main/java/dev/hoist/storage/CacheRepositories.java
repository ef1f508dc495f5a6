package dev.hoist.storage;

import dev.hoist.oci.RepositoryName;
import java.util.List;

/**
 * Which repositories are the mirror's cache (evictable) rather than hosted here (never evicted):
 * those under one of the given first path components, the cache keys of the configured upstreams.
 */
public record CacheRepositories(List<String> keys) {
  public static final CacheRepositories NONE = new CacheRepositories(List.of());

  public CacheRepositories {
    keys = List.copyOf(keys);
    for (String key : keys) {
      if (key.isEmpty() || key.contains("/")) {
        throw new IllegalArgumentException("not a cache key: " + key);
      }
    }
  }

  public boolean contains(RepositoryName repository) {
    String name = repository.value();
    int slash = name.indexOf('/');
    return slash > 0 && keys.contains(name.substring(0, slash));
  }
}
