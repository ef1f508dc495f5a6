package dev.hoist.ui;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.pipeline.Call;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.web.Html;
import dev.hoist.web.Viewer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry browser under {@code /ui/}:
 *
 * <pre>
 * /ui/?q=&lt;text&gt;&amp;page=&lt;n&gt;               repositories the viewer may pull, hosted and cached
 * /ui/r/&lt;name&gt;?page=&lt;n&gt;                   a repository's tags
 * /ui/r/&lt;name&gt;/-/manifests/&lt;digest&gt;?tag=  a manifest, its parts and referrers
 * /ui/r/&lt;name&gt;/-/delete?tag=|digest=         GET: the confirmation; POST: the delete (admins)
 * </pre>
 *
 * {@code -} cannot be a component of a repository name, so {@code /-/} ends the name. A name the
 * parser refuses (traversal, upper case, {@code %}), a repository that does not exist and one the
 * viewer may not pull all answer the same 404. Deleting is for admins, on hosted repositories, when
 * the registry allows deletes; the mirror's cache is not deleted here (eviction empties it).
 */
final class RegistryBrowser implements Page {
  private static final Logger log = LoggerFactory.getLogger(RegistryBrowser.class);
  static final String PREFIX = "/ui/";
  private static final String REPOSITORY = "/ui/r/";
  private static final String SECTION = "/ui/";

  private final Pages pages;
  private final Catalog catalog;
  private final ViewerAccess access;
  private final Namespace namespace;
  private final Map<String, String> upstreamByCacheKey;
  private final boolean deleteEnabled;

  /**
   * @param namespace what deletes go through (the registry's own namespace)
   * @param upstreamByCacheKey each mirrored upstream's host by its cache key, for pull commands
   */
  RegistryBrowser(
      Pages pages,
      Catalog catalog,
      ViewerAccess access,
      Namespace namespace,
      Map<String, String> upstreamByCacheKey,
      boolean deleteEnabled) {
    this.pages = pages;
    this.catalog = catalog;
    this.access = access;
    this.namespace = namespace;
    this.upstreamByCacheKey = Map.copyOf(upstreamByCacheKey);
    this.deleteEnabled = deleteEnabled;
  }

  @Override
  public void handle(Call call, Viewer viewer, Map<String, String> form) {
    String path = call.context().path();
    HttpServerRequest request = call.request();
    boolean post = request.method() == HttpMethod.POST;
    if (path.equals(PREFIX) && !post) {
      listRepositories(call, viewer);
      return;
    }
    if (!path.startsWith(REPOSITORY)) {
      pages.notFound(call.response());
      return;
    }
    String rest = path.substring(REPOSITORY.length());
    int cut = rest.indexOf("/-/");
    String action = cut < 0 ? "" : rest.substring(cut + 3);
    RepositoryName name;
    try {
      name = RepositoryName.of(cut < 0 ? rest : rest.substring(0, cut));
    } catch (RuntimeException e) {
      pages.notFound(call.response());
      return;
    }
    if (action.isEmpty() && !post) {
      listTags(call, viewer, name);
    } else if (action.startsWith("manifests/") && !post) {
      showManifest(call, viewer, name, action.substring("manifests/".length()));
    } else if (action.equals("delete")) {
      if (post) {
        delete(call, viewer, name, form);
      } else {
        confirmDelete(call, viewer, name);
      }
    } else {
      pages.notFound(call.response());
    }
  }

  private void listRepositories(Call call, Viewer viewer) {
    String q = Optional.ofNullable(call.request().getParam("q")).orElse("");
    int page = pageNumber(call.request());
    pages
        .blocking(() -> catalog.repositories(access.of(viewer), q, page))
        .onSuccess(
            listing ->
                pages.send(
                    call,
                    viewer,
                    200,
                    "Repositories",
                    SECTION,
                    BrowserViews.repositories(listing, q)))
        .onFailure(e -> failed(call, e));
  }

  private void listTags(Call call, Viewer viewer, RepositoryName name) {
    int page = pageNumber(call.request());
    pages
        .blocking(
            () ->
                catalog.visible(access.of(viewer), name)
                    ? Optional.of(catalog.tags(name, page))
                    : Optional.<Catalog.Listing<Catalog.TagRow>>empty())
        .onSuccess(
            listing -> {
              if (listing.isEmpty()) {
                pages.notFound(call.response());
                return;
              }
              boolean mirrored = catalog.mirrored(name);
              pages.send(
                  call,
                  viewer,
                  200,
                  name.value(),
                  SECTION,
                  BrowserViews.tags(
                      name,
                      mirrored,
                      listing.get(),
                      pullName(call.request(), name),
                      mayDelete(viewer, name)));
            })
        .onFailure(e -> failed(call, e));
  }

  private void showManifest(Call call, Viewer viewer, RepositoryName name, String digestText) {
    Digest digest;
    Tag tag;
    try {
      digest = Digest.parse(digestText);
      String tagText = call.request().getParam("tag");
      tag = tagText == null || tagText.isEmpty() ? null : Tag.of(tagText);
    } catch (RuntimeException e) {
      pages.notFound(call.response());
      return;
    }
    pages
        .blocking(
            () ->
                catalog.visible(access.of(viewer), name)
                    ? catalog.manifest(name, digest)
                    : Optional.<Catalog.ManifestView>empty())
        .onSuccess(
            view -> {
              if (view.isEmpty()) {
                pages.notFound(call.response());
                return;
              }
              pages.send(
                  call,
                  viewer,
                  200,
                  name.value() + (tag == null ? "" : ":" + tag.value()),
                  SECTION,
                  BrowserViews.manifest(
                      view.get(), tag, pullName(call.request(), name), mayDelete(viewer, name)));
            })
        .onFailure(e -> failed(call, e));
  }

  /** What a delete names: a tag or a manifest's digest; null when neither parses. */
  private record Target(Tag tag, Digest digest) {
    static Target of(String tag, String digest) {
      try {
        if (tag != null && !tag.isEmpty()) {
          return new Target(Tag.of(tag), null);
        }
        if (digest != null && !digest.isEmpty()) {
          return new Target(null, Digest.parse(digest));
        }
      } catch (RuntimeException e) {
        return null;
      }
      return null;
    }

    String describe() {
      return tag != null ? "tag " + tag.value() : "manifest " + digest;
    }
  }

  private void confirmDelete(Call call, Viewer viewer, RepositoryName name) {
    Target target = Target.of(call.request().getParam("tag"), call.request().getParam("digest"));
    if (target == null || !mayDelete(viewer, name)) {
      pages.notFound(call.response());
      return;
    }
    pages
        .blocking(() -> exists(viewer, name, target))
        .onSuccess(
            exists -> {
              if (!exists) {
                pages.notFound(call.response());
                return;
              }
              String csrf = Pages.csrfField(call.request(), call.response(), viewer);
              pages.send(
                  call,
                  viewer,
                  200,
                  "Delete " + target.describe(),
                  SECTION,
                  target.tag() != null
                      ? BrowserViews.confirmDelete(
                          name, target.describe(), "tag", target.tag().value(), csrf)
                      : BrowserViews.confirmDelete(
                          name, target.describe(), "digest", target.digest().toString(), csrf));
            })
        .onFailure(e -> failed(call, e));
  }

  private boolean exists(Viewer viewer, RepositoryName name, Target target) throws Exception {
    if (!catalog.visible(access.of(viewer), name)) {
      return false;
    }
    return target.tag() != null
        ? catalog.tag(name, target.tag()).isPresent()
        : catalog.manifest(name, target.digest()).isPresent();
  }

  private void delete(Call call, Viewer viewer, RepositoryName name, Map<String, String> form) {
    if (!Pages.csrfMatches(call.request(), viewer, form)) {
      pages.send(
          call,
          viewer,
          403,
          "Form expired",
          SECTION,
          "<p id=csrf-refused>This form is out of date or came from another site."
              + " Nothing was changed. <a href=\"/ui/\">Start again</a>.</p>");
      return;
    }
    Target target = Target.of(form.get("tag"), form.get("digest"));
    if (target == null || !mayDelete(viewer, name)) {
      pages.notFound(call.response());
      return;
    }
    pages
        .blocking(() -> deleteNow(viewer, name, target))
        .onSuccess(
            deleted -> {
              if (!deleted) {
                pages.notFound(call.response());
                return;
              }
              log.info(
                  "deleted from the web UI: repository={} what={} user={}",
                  name,
                  target.describe(),
                  viewer.username());
              Html.redirect(call.response(), BrowserViews.repositoryPath(name));
            })
        .onFailure(e -> failed(call, e));
  }

  private boolean deleteNow(Viewer viewer, RepositoryName name, Target target) throws Exception {
    if (!exists(viewer, name, target)) {
      return false;
    }
    var writer = namespace.repository(RepositoryRequest.internal(name)).writer();
    if (target.tag() != null) {
      writer.deleteTag(target.tag());
    } else {
      writer.deleteManifest(target.digest());
    }
    return true;
  }

  /** Admins delete hosted content when the registry allows deletes; the cache is not deleted. */
  private boolean mayDelete(Viewer viewer, RepositoryName name) {
    return deleteEnabled && viewer.admin() && !catalog.mirrored(name);
  }

  /** The name a user types against this server: the upstream's host instead of its cache key. */
  private String pullName(HttpServerRequest request, RepositoryName name) {
    String host = request.getHeader("Host");
    if (host == null && request.authority() != null) {
      host = request.authority().toString(); // HTTP/2 sends :authority, not Host
    }
    String base = host == null || host.isBlank() ? "localhost" : host;
    String value = name.value();
    if (catalog.mirrored(name)) {
      int slash = value.indexOf('/');
      String upstream = upstreamByCacheKey.get(value.substring(0, slash));
      if (upstream != null) {
        value = upstream + value.substring(slash);
      }
    }
    return base + "/" + value;
  }

  /** The page number asked for: 1 when absent or not a number; clamped to the pages later. */
  static int pageNumber(HttpServerRequest request) {
    String text = request.getParam("page");
    if (text == null || !text.matches("-?\\d{1,18}")) {
      return 1;
    }
    return (int) Math.clamp(Long.parseLong(text), 1L, Integer.MAX_VALUE);
  }

  private void failed(Call call, Throwable e) {
    log.warn("registry browser failed: error={}", e.getClass().getName(), e);
    pages.failed(call.response());
  }
}
