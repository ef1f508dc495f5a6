/**
 * The local image store and the client-side image commands' shared machinery.
 *
 * <h2>Public API (stable; other commands build on it)</h2>
 *
 * <pre>{@code
 * ImageStore store = ImageStore.open(ImageStore.defaultRoot(System.getenv(), home));
 *
 * // blobs: content-addressable, verified on write, idempotent by digest
 * boolean hasBlob(Digest)            Path blobPath(Digest)          long blobSize(Digest)
 * InputStream openBlob(Digest)       byte[] readBlob(Digest)        // <= 4 MiB (manifests, configs)
 * long writeBlob(Digest, InputStream)                                // verifies; no-op if present
 * Digest writeBlob(byte[])                                           // sha256 of small content
 * BlobWriter newBlobWriter(Digest, long expectedSize)                // resumable: size(), write,
 *                                                                    // transferFrom, reset, commit
 * // manifests and configs
 * Manifest readManifest(Descriptor)  ImageConfig readConfig(Digest)
 * Set<Digest> closure(Descriptor)    List<Digest> missing(Descriptor)
 *
 * // references (index.json entries)
 * List<ImageStore.Entry> list()                       // Entry(name, reference, descriptor)
 * Optional<ImageStore.Entry> resolve(ImageReference)
 * void tag(ImageReference, Descriptor)                // image must be complete in the store
 * void addUnnamed(Descriptor)                         // an untagged <none> entry (load)
 * Optional<ImageStore.Entry> untag(ImageReference)
 * List<ImageStore.Entry> remove(Digest)               // every entry of that manifest/index
 * ImageStore.GcResult removeUnreferenced()            // mark from index.json, sweep blobs/
 * ImageStore.Lease lease()                            // holds off GC while adding an image
 * }</pre>
 *
 * <p>Entry annotations the store defines: {@code ImageStore.REF_NAME} (the name), {@code
 * REPO_DIGEST} (what the registry resolved the name to), {@code UNCOMPRESSED_SIZE} (bytes, for
 * {@code images}), {@code TAGGED_AT}. Keep them when copying an entry ({@code tag}, {@code load}).
 *
 * <p>The other public pieces, for commands built on the store:
 *
 * <ul>
 *   <li>{@link dev.hoist.images.ClientEnvironment}: env, home, stdin, terminal; locates the store,
 *       {@code client.json}, Docker's {@code config.json} and {@code daemon.json}.
 *   <li>{@link dev.hoist.images.ClientConfig} (mirrors, insecure registries), {@link
 *       dev.hoist.images.DockerConfig} (credentials, {@code credsStore}/{@code credHelpers}).
 *   <li>{@link dev.hoist.images.RegistryAccess}: a {@code RegistryClient} per origin registry
 *       ({@code origin(registry)}, with its credentials) and per mirror; scheme and TLS rules.
 *   <li>{@link dev.hoist.images.Puller}: {@code hoist pull}'s engine (mirrors, fallback, resume).
 *   <li>{@link dev.hoist.images.Progress}: Docker-style per-layer progress lines.
 *   <li>{@link dev.hoist.images.LocalImages}: images as the commands show them ({@code find} a name
 *       or ID, image ID, created, size, {@code inspect} JSON); {@link dev.hoist.images.HumanUnits}:
 *       Docker's sizes and "2 weeks ago".
 *   <li>{@link dev.hoist.images.ImageException}: a failure with a kind that picks the exit status.
 * </ul>
 *
 * <h2>Layout</h2>
 *
 * The store is an <a
 * href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image
 * layout</a>, so other tools read it: {@code skopeo copy oci:<root>:docker.io/library/ubuntu:latest
 * dir:/tmp/x}.
 *
 * <pre>
 * &lt;root&gt;/                         default $HOIST_ROOT, else $XDG_DATA_HOME/hoist, else ~/.local/share/hoist
 *   oci-layout                     {"imageLayoutVersion":"1.0.0"}
 *   index.json                     one entry per name; written to a temp file, fsynced, renamed
 *   blobs/sha256/&lt;hex&gt;             manifests, indexes, configs, layers; immutable
 *   ingest/&lt;hex&gt;.&lt;uuid&gt;           blobs being written (same file system, so the rename is atomic)
 *   index.lock                     exclusive file lock around every index.json read-modify-write
 *   gc.lock                        shared by writers (leases), exclusive for garbage collection
 * </pre>
 *
 * <h2>Names</h2>
 *
 * An entry's {@code org.opencontainers.image.ref.name} annotation is the full canonical reference,
 * {@code docker.io/library/ubuntu:latest}, {@code localhost:5000/team/app:1.0} or {@code
 * docker.io/library/ubuntu@sha256:…}. skopeo's {@code oci:} transport takes everything after the
 * first {@code :} of {@code oci:<path>:<name>} as the name and accepts any name matching the
 * image-spec's ref.name grammar, which these all do (checked with skopeo 1.9); so {@code
 * oci:<root>:<canonical reference>} addresses an image (the root's path must not contain {@code
 * :}). Names written by other tools are read with Docker's normalisation ({@code foo} is {@code
 * docker.io/library/foo:latest}); an entry without a readable name is an untagged image, shown as
 * {@code <none>}.
 *
 * <p>A pull of one platform from a multi-platform index stores and names that platform's manifest;
 * the index's digest (what the registry resolved the tag to) is kept in the entry's {@value
 * dev.hoist.images.ImageStore#REPO_DIGEST} annotation, Docker's "repo digest". {@code pull
 * --all-platforms} stores the index and every child, and names the index. Every named entry's
 * content is complete in the store ({@code tag} checks), so {@code skopeo copy oci:} of any name
 * works.
 *
 * <h2>Safety</h2>
 *
 * <ul>
 *   <li>Crash safety: blobs are written to {@code ingest/}, verified against their digest, fsynced,
 *       renamed atomically into {@code blobs/}, and the directory fsynced; {@code index.json} the
 *       same way. A crash leaves either the old or the new file, plus temporary files the next
 *       garbage collection deletes.
 *   <li>Several processes: a blob write is idempotent (same digest, same bytes: the rename replaces
 *       identical content). Changes to {@code index.json} happen under an exclusive {@link
 *       java.nio.channels.FileLock} on {@code index.lock}; readers need no lock because the file is
 *       replaced atomically. A pull holds a shared lock on {@code gc.lock} from its first blob
 *       until it has tagged the image; garbage collection holds it exclusively, so it never deletes
 *       blobs an unfinished pull relies on. Lock order: {@code gc.lock}, then {@code index.lock}.
 * </ul>
 */
package dev.hoist.images;
