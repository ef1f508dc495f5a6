package dev.hoist.pipeline;

import java.util.Locale;

/**
 * What kind of endpoint a request addressed, as the stage that knows says so: the registry's router
 * for {@code /v2/}, the accelerator for its console, the composition root for the rest. A closed
 * set, so that metrics tagged by it stay few: never the raw path.
 */
public enum RouteKind {
  /** {@code /v2/}, the API version check. */
  BASE,
  CATALOG,
  TAGS,
  MANIFEST,
  REFERRERS,
  BLOB,
  /** An upload session: {@code /v2/<name>/blobs/uploads/...}. */
  BLOB_UPLOAD,
  TOKEN,
  /** The JSON APIs under {@code /api/}. */
  API,
  CONSOLE,
  /** The web pages and their static files ({@code /ui/}, {@code /static/}, {@code /webjars/}). */
  UI,
  METRICS,
  /** {@code /healthz} and {@code /readyz}. */
  HEALTH,
  /** The cluster's internal endpoint. */
  INTERNAL,
  /** Anything else, including paths no endpoint answers. */
  OTHER;

  /** The name metrics use: {@code blob_upload}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
