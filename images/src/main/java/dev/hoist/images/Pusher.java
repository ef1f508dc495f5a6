package dev.hoist.images;

import dev.hoist.client.MountResult;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.UploadSession;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code hoist push}: sends an image (or an index and every child) from the {@link ImageStore} to
 * the registry its name points at, as {@code docker push} does.
 *
 * <ol>
 *   <li>Each blob (layers concurrently, then configs) is first checked with {@code HEAD}: a blob
 *       the repository already has is not sent ({@code Layer already exists}).
 *   <li>Otherwise, when the store names the same content in another repository of the same
 *       registry, the blob is mounted from there ({@code Mounted from <repository>}); when the
 *       registry cannot mount it, the upload session it opens instead is used.
 *   <li>Otherwise it is uploaded ({@code Pushing}, then {@code Pushed}); the client sends blobs at
 *       or above its chunked-upload threshold (64 MiB) in {@code PATCH} chunks. The registry checks
 *       the digest; so does the client while it reads the stored bytes.
 *   <li>Then an index's child manifests by digest, and last the manifest (or index) under the tag,
 *       byte for byte as stored, so the registry's digest is the store's.
 *   <li>The store then records that digest as the name's repo digest, as Docker does.
 * </ol>
 *
 * <p>Credentials come from Docker's {@code config.json} through {@link RegistryAccess}; mirrors
 * play no part in a push.
 */
public final class Pusher {
  private final ImageStore store;
  private final RegistryAccess access;
  private final Progress progress;
  private final int concurrency;

  public Pusher(ImageStore store, RegistryAccess access, Progress progress, int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1");
    }
    this.store = Objects.requireNonNull(store, "store");
    this.access = Objects.requireNonNull(access, "access");
    this.progress = Objects.requireNonNull(progress, "progress");
    this.concurrency = concurrency;
  }

  /**
   * What a push did.
   *
   * @param reference the name pushed
   * @param digest the digest of the manifest (or index) pushed
   * @param size its size in bytes
   * @param outcomes for every blob: {@code exists}, {@code mounted} or {@code pushed}
   */
  public record Result(
      ImageReference reference, Digest digest, long size, Map<Digest, Outcome> outcomes) {
    public Result {
      outcomes = Map.copyOf(outcomes);
    }
  }

  /** What happened to one blob. */
  public enum Outcome {
    EXISTS,
    MOUNTED,
    PUSHED
  }

  /**
   * Pushes the image the store names {@code reference} (a tag or a digest).
   *
   * @throws ImageException NOT_FOUND when the store has no such name; AUTH, NETWORK or OTHER when
   *     the registry refuses or cannot be reached
   */
  public Result push(ImageReference reference) throws ImageException {
    if (reference.tag() == null && reference.digest() == null) {
      throw new IllegalArgumentException("push needs a tag or digest: " + reference);
    }
    try {
      ImageStore.Entry entry =
          store
              .resolve(reference)
              .orElseThrow(
                  () ->
                      new ImageException(
                          ImageException.Kind.NOT_FOUND,
                          "An image does not exist locally with the tag: " + reference.familiar()));
      return new Push(reference, entry.descriptor()).run();
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.OTHER, "cannot read the image store: " + e.getMessage(), e);
    }
  }

  /** One push's state. */
  private final class Push {
    private final ImageReference reference;
    private final RepositoryName repository;
    private final Descriptor top;
    private final Map<Digest, Outcome> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    private Map<Digest, List<RepositoryName>> mountSources;
    private RegistryClient client;

    Push(ImageReference reference, Descriptor top) {
      this.reference = reference;
      this.repository = reference.repository();
      this.top = top;
    }

    Result run() throws ImageException, IOException {
      Manifest topManifest = store.readManifest(top);
      List<ImageManifest> images = new ArrayList<>();
      List<Manifest> children = new ArrayList<>();
      if (topManifest instanceof ImageIndex index) {
        for (Descriptor child : index.manifests()) {
          Manifest m = store.readManifest(child);
          if (!(m instanceof ImageManifest im)) {
            throw new ImageException(
                ImageException.Kind.OTHER,
                reference.familiar() + ": nested index " + child.digest() + " is not supported");
          }
          images.add(im);
          children.add(m);
        }
      } else {
        images.add((ImageManifest) topManifest);
      }
      Map<Digest, Descriptor> layers = new LinkedHashMap<>();
      Map<Digest, Descriptor> configs = new LinkedHashMap<>();
      for (ImageManifest m : images) {
        for (Descriptor l : m.layers()) {
          layers.putIfAbsent(l.digest(), l);
        }
        configs.putIfAbsent(m.config().digest(), m.config());
      }
      configs.keySet().removeAll(layers.keySet());

      progress.println("The push refers to repository [" + reference.canonicalName() + "]");
      client = access.origin(reference.registry());
      pushLayers(new ArrayList<>(layers.values()));
      for (Descriptor c : configs.values()) {
        pushBlob(c, null);
      }
      for (Manifest child : children) {
        putManifest(child, child.digest().toString());
      }
      putManifest(topManifest, reference.manifestReference());
      recordRepoDigest(topManifest.digest());
      return new Result(reference, topManifest.digest(), topManifest.size(), outcomes);
    }

    /**
     * Notes the pushed digest as the name's repo digest, as Docker does after a push, unless the
     * name was moved to another image meanwhile.
     */
    private void recordRepoDigest(Digest digest) throws IOException {
      if (reference.tag() == null
          || digest.toString().equals(top.annotations().get(ImageStore.REPO_DIGEST))) {
        return;
      }
      Optional<ImageStore.Entry> now = store.resolve(reference);
      if (now.isEmpty() || !now.get().descriptor().digest().equals(top.digest())) {
        return;
      }
      Descriptor d = now.get().descriptor();
      Map<String, String> annotations = new LinkedHashMap<>(d.annotations());
      annotations.put(ImageStore.REPO_DIGEST, digest.toString());
      store.tag(
          reference,
          new Descriptor(
              d.mediaType(),
              d.digest(),
              d.size(),
              d.artifactType(),
              d.platform(),
              annotations,
              d.urls()));
    }

    private void pushLayers(List<Descriptor> layers) throws ImageException, IOException {
      List<Progress.Line> lines = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        Progress.Line line = progress.line(layers.get(i).digest().encoded(), "Preparing");
        lines.add(line);
      }
      for (int i = concurrency; i < lines.size(); i++) {
        lines.get(i).status("Waiting");
      }
      ExecutorService pool =
          Executors.newFixedThreadPool(
              concurrency, Thread.ofPlatform().name("hoist-push-", 1).daemon().factory());
      try {
        List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
          Descriptor l = layers.get(i);
          Progress.Line line = lines.get(i);
          futures.add(
              pool.submit(
                  () -> {
                    pushBlob(l, line);
                    return null;
                  }));
        }
        for (Future<Void> f : futures) {
          f.get();
        }
      } catch (ExecutionException e) {
        ImageException.rethrowCause(e, "push");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ImageException(ImageException.Kind.OTHER, "interrupted", e);
      } finally {
        pool.shutdownNow();
      }
    }

    /** One blob: skipped when present, else mounted, else uploaded. line is null for a config. */
    private void pushBlob(Descriptor d, Progress.Line line) throws ImageException, IOException {
      Digest digest = d.digest();
      try {
        if (client.headBlob(repository, digest).isPresent()) {
          outcomes.put(digest, Outcome.EXISTS);
          status(line, "Layer already exists");
          return;
        }
        UploadSession session = null;
        for (RepositoryName from : mountSources(digest)) {
          MountResult m = client.mountBlob(repository, digest, from);
          if (m.isMounted()) {
            outcomes.put(digest, Outcome.MOUNTED);
            status(line, "Mounted from " + from.value());
            return;
          }
          session = m.session().orElse(null);
          break; // the registry opened an upload session instead: use it
        }
        upload(d, line, session);
        outcomes.put(digest, Outcome.PUSHED);
        status(line, "Pushed");
      } catch (RegistryException e) {
        throw failed((line == null ? "config " : "layer ") + digest, e);
      }
    }

    /** Uploads, trying once more with a fresh session when the first attempt could not finish. */
    private void upload(Descriptor d, Progress.Line line, UploadSession session)
        throws RegistryException, IOException {
      long size = store.blobSize(d.digest());
      for (int attempt = 1; ; attempt++) {
        try (InputStream in = new Counting(store.openBlob(d.digest()), line, size)) {
          if (line != null) {
            line.progress("Pushing", 0, size);
          }
          if (session != null) {
            client.pushBlob(session, d.digest(), size, in);
          } else {
            client.pushBlob(repository, d.digest(), size, in);
          }
          return;
        } catch (RegistryException e) {
          boolean again = attempt < 2 && (e.httpStatus() == 0 || e.retryable());
          if (!again) {
            throw e;
          }
          session = null;
          if (line != null) {
            line.status("Retrying", "(" + shorten(Puller.problem(e)) + ")");
          }
        }
      }
    }

    /**
     * Other repositories of this registry that the store names an image of holding {@code digest}:
     * places the registry may already have it, to mount from.
     */
    private synchronized List<RepositoryName> mountSources(Digest digest) throws IOException {
      if (mountSources == null) {
        Map<Digest, List<RepositoryName>> found = new LinkedHashMap<>();
        for (ImageStore.Entry e : store.list()) {
          ImageReference r = e.reference();
          if (r == null
              || !r.registry().equals(reference.registry())
              || r.repository().equals(repository)) {
            continue;
          }
          Set<Digest> closure = new LinkedHashSet<>(store.closure(e.descriptor()));
          for (Digest d : closure) {
            List<RepositoryName> repos = found.computeIfAbsent(d, k -> new ArrayList<>());
            if (!repos.contains(r.repository())) {
              repos.add(r.repository());
            }
          }
        }
        mountSources = found;
      }
      return mountSources.getOrDefault(digest, List.of());
    }

    private void putManifest(Manifest m, String ref) throws ImageException {
      try {
        client.putManifest(repository, ref, m.raw(), m.mediaType());
      } catch (RegistryException e) {
        throw failed("manifest " + m.digest(), e);
      }
    }

    private ImageException failed(String what, RegistryException e) {
      String where = reference.canonicalName();
      String problem = Puller.problem(e);
      ErrorCode code = e.code();
      if (code == ErrorCode.UNAUTHORIZED || code == ErrorCode.DENIED) {
        return new ImageException(
            ImageException.Kind.AUTH,
            "push access denied for "
                + reference.familiarName()
                + " ("
                + problem
                + "); log in with 'hoist login "
                + reference.registry()
                + "'",
            e);
      }
      if (e.httpStatus() == 0) {
        return new ImageException(
            ImageException.Kind.NETWORK,
            "cannot reach " + reference.registry() + " to push " + what + ": " + problem,
            e);
      }
      ImageException.Kind kind =
          e.httpStatus() >= 500 || code == ErrorCode.TOOMANYREQUESTS
              ? ImageException.Kind.NETWORK
              : code == ErrorCode.NAME_UNKNOWN
                  ? ImageException.Kind.NOT_FOUND
                  : ImageException.Kind.OTHER;
      return new ImageException(kind, "cannot push " + what + " to " + where + ": " + problem, e);
    }
  }

  private static void status(Progress.Line line, String status) {
    if (line != null) {
      line.status(status);
    }
  }

  private static String shorten(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }

  /** Reports bytes read as push progress. */
  private static final class Counting extends FilterInputStream {
    private final Progress.Line line;
    private final long total;
    private long count;

    Counting(InputStream in, Progress.Line line, long total) {
      super(in);
      this.line = line;
      this.total = total;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        advance(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        advance(n);
      }
      return n;
    }

    private void advance(long n) {
      count += n;
      if (line != null) {
        line.progress("Pushing", count, total);
      }
    }
  }
}
