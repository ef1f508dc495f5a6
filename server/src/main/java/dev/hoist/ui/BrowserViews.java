package dev.hoist.ui;

import static dev.hoist.web.Html.esc;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.web.Html;
import dev.hoist.web.Layout;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The registry browser's HTML: every outside value (names, tags, annotations, history) escaped with
 * {@link Html#esc}; tables inside a horizontally scrolling block; links and forms only, so that
 * every page works without JavaScript (the copy button aside).
 */
final class BrowserViews {
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private BrowserViews() {}

  static String repositoryPath(RepositoryName name) {
    return "/ui/r/" + name.value();
  }

  static String manifestPath(RepositoryName name, Digest digest, Tag tag) {
    return repositoryPath(name)
        + "/-/manifests/"
        + digest
        + (tag == null ? "" : "?tag=" + query(tag.value()));
  }

  static String deletePath(RepositoryName name) {
    return repositoryPath(name) + "/-/delete";
  }

  static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static String date(Instant instant) {
    return instant == null ? "" : DATE.format(instant);
  }

  /** The list of repositories with its search form and pager. */
  static String repositories(Catalog.Listing<Catalog.RepositoryRow> listing, String q) {
    StringBuilder b = new StringBuilder(4096);
    b.append("<form method=get action=\"/ui/\"><label for=q>Search repositories</label>")
        .append("<fieldset role=group><input type=search id=q name=q value=\"")
        .append(esc(q))
        .append("\" placeholder=\"library/alpine\">")
        .append("<button type=submit id=search-submit>Search</button></fieldset></form>");
    if (listing.rows().isEmpty()) {
      b.append("<p id=no-repositories>")
          .append(q.isEmpty() ? "No repositories yet." : "No repository matches.")
          .append("</p>");
      return b.toString();
    }
    b.append("<div class=table-scroll><table id=repositories><thead><tr>")
        .append("<th scope=col>Repository</th><th scope=col>Kind</th></tr></thead><tbody>");
    for (Catalog.RepositoryRow row : listing.rows()) {
      b.append("<tr><td><a class=repository href=\"")
          .append(esc(repositoryPath(row.name())))
          .append("\">")
          .append(esc(row.name().value()))
          .append("</a></td><td>")
          .append(row.mirrored() ? "mirrored (cache)" : "hosted")
          .append("</td></tr>");
    }
    b.append("</tbody></table></div>");
    b.append(pager(listing, "/ui/?" + (q.isEmpty() ? "" : "q=" + query(q) + "&")));
    return b.toString();
  }

  /** Previous and next links, and where the page is; {@code base} ends with ? or &. */
  static String pager(Catalog.Listing<?> listing, String base) {
    StringBuilder b = new StringBuilder("<nav aria-label=Pages class=pager><ul>");
    if (listing.page() > 1) {
      b.append("<li><a id=page-previous rel=prev href=\"")
          .append(esc(base + "page=" + (listing.page() - 1)))
          .append("\">Previous</a></li>");
    }
    b.append("<li id=page-info>Page ")
        .append(listing.page())
        .append(" of ")
        .append(listing.pages())
        .append(" (")
        .append(listing.total())
        .append(listing.truncated() ? "+" : "")
        .append(")</li>");
    if (listing.page() < listing.pages()) {
      b.append("<li><a id=page-next rel=next href=\"")
          .append(esc(base + "page=" + (listing.page() + 1)))
          .append("\">Next</a></li>");
    }
    return b.append("</ul></nav>").toString();
  }

  /** A repository's tags, with the pull command of its first tag. */
  static String tags(
      RepositoryName name,
      boolean mirrored,
      Catalog.Listing<Catalog.TagRow> listing,
      String pullName,
      boolean mayDelete) {
    StringBuilder b = new StringBuilder(4096);
    b.append("<p class=muted>")
        .append(mirrored ? "Mirrored: a cache of an upstream repository." : "Hosted here.")
        .append("</p>");
    if (listing.rows().isEmpty()) {
      b.append("<p id=no-tags>No tags.</p>");
      return b.toString();
    }
    b.append(
        Layout.copyable(
            "pull-command", "docker pull " + pullName + ":" + listing.rows().get(0).tag()));
    b.append("<div class=table-scroll><table id=tags><thead><tr>")
        .append("<th scope=col>Tag</th><th scope=col>Digest</th><th scope=col>Size</th>")
        .append("<th scope=col>Platforms</th><th scope=col>Pushed</th>");
    if (mayDelete) {
      b.append("<th scope=col><span class=visually-hidden>Actions</span></th>");
    }
    b.append("</tr></thead><tbody>");
    for (Catalog.TagRow row : listing.rows()) {
      b.append("<tr><td><a class=tag href=\"")
          .append(esc(manifestPath(name, row.digest(), row.tag())))
          .append("\">")
          .append(esc(row.tag().value()))
          .append("</a></td><td class=digest>")
          .append(esc(shortDigest(row.digest())))
          .append("</td><td>")
          .append(esc(Html.human(row.size())))
          .append("</td><td>")
          .append(esc(String.join(", ", row.platforms())))
          .append("</td><td>")
          .append(esc(date(row.created())))
          .append("</td>");
      if (mayDelete) {
        b.append("<td><a class=delete-tag href=\"")
            .append(esc(deletePath(name) + "?tag=" + query(row.tag().value())))
            .append("\">Delete…</a></td>");
      }
      b.append("</tr>");
    }
    b.append("</tbody></table></div>");
    b.append(pager(listing, repositoryPath(name) + "?"));
    return b.toString();
  }

  static String shortDigest(Digest digest) {
    String s = digest.toString();
    int colon = s.indexOf(':');
    return s.length() > colon + 13 ? s.substring(0, colon + 13) + "…" : s;
  }

  /** A manifest: what it is, how to pull it, its parts, annotations and referrers. */
  static String manifest(Catalog.ManifestView view, Tag tag, String pullName, boolean mayDelete) {
    ManifestRecord record = view.record();
    StringBuilder b = new StringBuilder(8192);
    b.append("<p><a href=\"")
        .append(esc(repositoryPath(view.name())))
        .append("\">")
        .append(esc(view.name().value()))
        .append("</a>")
        .append(tag == null ? "" : " : " + esc(tag.value()))
        .append("</p>");
    b.append("<dl id=manifest-facts><dt>Digest</dt><dd class=digest id=manifest-digest>")
        .append(esc(record.digest().toString()))
        .append("</dd><dt>Media type</dt><dd>")
        .append(esc(record.mediaType()))
        .append("</dd>");
    if (record.artifactType() != null) {
      b.append("<dt>Artifact type</dt><dd>").append(esc(record.artifactType())).append("</dd>");
    }
    b.append("<dt>Manifest size</dt><dd>")
        .append(esc(Html.human(record.size())))
        .append("</dd><dt>Received</dt><dd>")
        .append(esc(date(record.created())))
        .append("</dd></dl>");
    String reference =
        tag == null ? pullName + "@" + record.digest() : pullName + ":" + tag.value();
    b.append("<h2>Pull</h2>").append(Layout.copyable("pull-command", "docker pull " + reference));
    switch (view.manifest()) {
      case ImageManifest image -> image(b, view.name(), image, view.config());
      case ImageIndex index -> index(b, view.name(), index);
    }
    annotations(b, "Annotations", "annotations", record.annotations());
    referrers(b, view);
    if (mayDelete) {
      b.append("<h2>Delete</h2><p><a id=delete-manifest href=\"")
          .append(esc(deletePath(view.name()) + "?digest=" + query(record.digest().toString())))
          .append("\">Delete this manifest and its tags…</a></p>");
    }
    return b.toString();
  }

  private static void image(
      StringBuilder b, RepositoryName name, ImageManifest image, ImageConfig config) {
    b.append("<h2>Config</h2><dl id=config><dt>Digest</dt><dd class=digest>")
        .append(esc(image.config().digest().toString()))
        .append("</dd><dt>Media type</dt><dd>")
        .append(esc(image.config().mediaType()))
        .append("</dd>");
    if (config != null) {
      b.append("<dt>Platform</dt><dd id=platform>")
          .append(esc(config.platform().toString()))
          .append("</dd>");
      if (config.created() != null) {
        b.append("<dt>Created</dt><dd>").append(esc(date(config.created()))).append("</dd>");
      }
    }
    b.append("</dl><h2>Layers</h2><div class=table-scroll><table id=layers><thead><tr>")
        .append("<th scope=col>#</th><th scope=col>Digest</th><th scope=col>Media type</th>")
        .append("<th scope=col>Size</th></tr></thead><tbody>");
    int n = 1;
    for (Descriptor layer : image.layers()) {
      b.append("<tr><td>")
          .append(n++)
          .append("</td><td class=digest>")
          .append(esc(layer.digest().toString()))
          .append("</td><td>")
          .append(esc(layer.mediaType()))
          .append("</td><td>")
          .append(esc(Html.human(layer.size())))
          .append("</td></tr>");
    }
    b.append("</tbody></table></div>");
    if (config != null && !config.history().isEmpty()) {
      b.append("<h2>History</h2><div class=table-scroll><table id=history><thead><tr>")
          .append("<th scope=col>Created</th><th scope=col>Step</th></tr></thead><tbody>");
      for (ImageConfig.History step : config.history()) {
        b.append("<tr><td>")
            .append(esc(date(step.created())))
            .append("</td><td><code>")
            .append(esc(step.createdBy()))
            .append("</code>")
            .append(step.emptyLayer() ? " <span class=muted>(no layer)</span>" : "")
            .append("</td></tr>");
      }
      b.append("</tbody></table></div>");
    }
  }

  private static void index(StringBuilder b, RepositoryName name, ImageIndex index) {
    b.append("<h2>Images</h2><div class=table-scroll><table id=images><thead><tr>")
        .append("<th scope=col>Platform</th><th scope=col>Digest</th><th scope=col>Size</th>")
        .append("</tr></thead><tbody>");
    for (Descriptor child : index.manifests()) {
      b.append("<tr><td>")
          .append(esc(child.platform() == null ? "" : child.platform().toString()))
          .append("</td><td class=digest><a href=\"")
          .append(esc(manifestPath(name, child.digest(), null)))
          .append("\">")
          .append(esc(child.digest().toString()))
          .append("</a></td><td>")
          .append(esc(Html.human(child.size())))
          .append("</td></tr>");
    }
    b.append("</tbody></table></div>");
  }

  private static void annotations(
      StringBuilder b, String title, String id, Map<String, String> annotations) {
    if (annotations.isEmpty()) {
      return;
    }
    b.append("<h2>")
        .append(esc(title))
        .append("</h2><div class=table-scroll><table id=")
        .append(id)
        .append("><tbody>");
    annotations.forEach(
        (k, v) ->
            b.append("<tr><th scope=row>")
                .append(esc(k))
                .append("</th><td>")
                .append(esc(v))
                .append("</td></tr>"));
    b.append("</tbody></table></div>");
  }

  private static void referrers(StringBuilder b, Catalog.ManifestView view) {
    b.append("<h2>Referrers</h2>");
    if (view.referrers().isEmpty()) {
      b.append("<p id=no-referrers class=muted>No signatures, SBOMs or other referrers.</p>");
      return;
    }
    b.append("<div class=table-scroll><table id=referrers><thead><tr>")
        .append("<th scope=col>Artifact type</th><th scope=col>Digest</th>")
        .append("<th scope=col>Size</th><th scope=col>Annotations</th></tr></thead><tbody>");
    for (ManifestRecord referrer : view.referrers()) {
      b.append("<tr><td>")
          .append(esc(referrer.artifactType()))
          .append("</td><td class=digest><a class=referrer href=\"")
          .append(esc(manifestPath(view.name(), referrer.digest(), null)))
          .append("\">")
          .append(esc(referrer.digest().toString()))
          .append("</a></td><td>")
          .append(esc(Html.human(referrer.size())))
          .append("</td><td>");
      referrer
          .annotations()
          .forEach((k, v) -> b.append(esc(k)).append('=').append(esc(v)).append("<br>"));
      b.append("</td></tr>");
    }
    b.append("</tbody></table></div>");
  }

  /** The confirmation of a delete: the form that does it. */
  static String confirmDelete(
      RepositoryName name, String what, String field, String value, String csrfField) {
    return "<p>Delete "
        + esc(what)
        + " from <strong>"
        + esc(name.value())
        + "</strong>? Pulls of it will fail from now on.</p><form method=post action=\""
        + esc(deletePath(name))
        + "\">"
        + csrfField
        + "<input type=hidden name=\""
        + esc(field)
        + "\" value=\""
        + esc(value)
        + "\"><button type=submit id=confirm-delete>Delete</button> <a href=\""
        + esc(repositoryPath(name))
        + "\">Cancel</a></form>";
  }
}
