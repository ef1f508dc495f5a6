package dev.hoist.images;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * {@code hoist export}: an image's root filesystem, unpacked into a directory. The layers are
 * applied in order as the OCI image-spec ({@code layer.md}) describes:
 *
 * <ul>
 *   <li>{@code .wh.<name>} deletes {@code <name>} (a whole tree, for a directory) as the lower
 *       layers left it; {@code .wh..wh..opq} makes its directory opaque: everything the lower
 *       layers put in it goes. Whiteouts apply only to lower layers, never to entries of their own
 *       layer, in whatever order the tar lists them. Other {@code .wh..wh.} names (aufs
 *       bookkeeping) are ignored.
 *   <li>An entry replaces what is at its path, except that a directory over a directory keeps the
 *       lower content. Regular files, directories, symbolic links (targets kept as written) and
 *       hard links are created with their mode (setuid, setgid and sticky included) and
 *       modification time; owners too when Hoist runs as root. Directories get their mode and time
 *       at the end, so that a read-only directory can still be filled. Device nodes and FIFOs
 *       cannot be created from Java: they are skipped and reported.
 * </ul>
 *
 * <p>Nothing is ever written outside the target directory. An entry (or hard link target) with an
 * absolute path or a {@code ..} component is refused. Parent directories are resolved one component
 * at a time without letting the operating system follow links: a symbolic link met on the way is
 * followed within the target directory, as the image itself sees it (an absolute target such as
 * {@code /usr/lib} means {@code <DIR>/usr/lib}, as it would in a container); a relative target that
 * climbs out of the directory ({@code ../../etc}) is refused. The last component of a path is never
 * followed: a symbolic link there is replaced, not written through. A refusal stops the export with
 * an error naming the layer and the entry.
 */
public final class RootfsExporter {
  private static final int MAX_LINK_HOPS = 40;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final String WHITEOUT_META = ".wh..wh.";

  private final ImageStore store;

  public RootfsExporter(ImageStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * What an export did.
   *
   * @param layers layers applied
   * @param entries tar entries applied (whiteouts included)
   * @param skipped entries that could not be created (devices, FIFOs), as {@code path (kind)}
   */
  public record Summary(int layers, long entries, List<String> skipped) {
    public Summary {
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * Exports the image {@code ref} names (a name or an image ID; for a multi-platform index, the
   * image for {@code platform}) into {@code dir}, which must be empty or absent.
   */
  public Summary export(String ref, Platform platform, Path dir)
      throws ImageException, IOException {
    LocalImages.Image image = new LocalImages(store).find(ref);
    ImageManifest manifest = ImagePicker.pick(store, image, platform, ref);
    return export(manifest, dir);
  }

  /** Exports the image {@code manifest} describes into {@code dir} (empty or absent). */
  public Summary export(ImageManifest manifest, Path dir) throws ImageException, IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
      throw new ImageException(ImageException.Kind.USAGE, dir + " exists and is not a directory");
    }
    Files.createDirectories(dir);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      if (s.iterator().hasNext()) {
        throw new ImageException(
            ImageException.Kind.USAGE, dir + " is not empty; export needs an empty directory");
      }
    }
    Apply apply = new Apply(dir.toRealPath());
    for (Descriptor layer : manifest.layers()) {
      apply.layer(layer);
    }
    apply.finish();
    return new Summary(manifest.layers().size(), apply.entries, apply.skipped);
  }

  /** The state of one export. */
  private final class Apply {
    private final Path root;
    private final boolean chown;
    private final Map<String, TarArchiveEntry> directories = new HashMap<>();
    private final List<String> skipped = new ArrayList<>();
    private long entries;
    private Set<String> thisLayer;
    private Descriptor layer;

    Apply(Path root) throws IOException {
      this.root = root;
      Object uid = Files.getAttribute(root, "unix:uid");
      this.chown = uid instanceof Integer i && i == 0; // a root-owned new directory: we are root
    }

    void layer(Descriptor d) throws ImageException, IOException {
      layer = d;
      thisLayer = new HashSet<>();
      try (InputStream in = LayerStreams.openUncompressed(store, d);
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          entries++;
          entry(e, tar);
        }
      }
    }

    private void entry(TarArchiveEntry e, InputStream content) throws ImageException, IOException {
      List<String> path = entryPath(e.getName(), e.getName());
      if (path.isEmpty()) {
        return; // the root directory itself: the target keeps its own mode
      }
      String base = path.get(path.size() - 1);
      List<String> parentPath = path.subList(0, path.size() - 1);
      if (base.startsWith(WHITEOUT)) {
        whiteout(e.getName(), parentPath, base);
        return;
      }
      List<String> parent = resolveDirectory(e.getName(), parentPath, true);
      String rel = join(parent, base);
      Path p = root.resolve(rel);
      BasicFileAttributes existing = attributes(p);
      if (e.isDirectory()) {
        if (existing != null && !existing.isDirectory()) {
          delete(rel);
          existing = null;
        }
        if (existing == null) {
          Files.createDirectory(p);
        }
        thisLayer.add(rel);
        directories.put(rel, e);
        return;
      }
      if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
        skipped.add(rel + " (" + (e.isFIFO() ? "fifo" : "device") + ")");
        return;
      }
      if (!e.isSymbolicLink() && !e.isLink() && !e.isFile()) {
        skipped.add(rel + " (tar entry type '" + (char) e.getLinkFlag() + "')");
        return;
      }
      if (existing != null) {
        delete(rel);
      }
      if (e.isSymbolicLink()) {
        Files.createSymbolicLink(p, Path.of(e.getLinkName()));
        owner(p, e);
        time(p, e);
      } else if (e.isLink()) {
        List<String> targetPath = entryPath(e.getLinkName(), e.getName());
        if (targetPath.isEmpty()) {
          throw refuse(e.getName(), "its hard link target is the root directory");
        }
        List<String> targetParent =
            resolveDirectory(e.getName(), targetPath.subList(0, targetPath.size() - 1), false);
        Path target =
            targetParent == null
                ? null
                : root.resolve(join(targetParent, targetPath.get(targetPath.size() - 1)));
        BasicFileAttributes a = target == null ? null : attributes(target);
        if (a == null || a.isDirectory()) {
          throw new ImageException(
              ImageException.Kind.OTHER,
              "layer "
                  + layer.digest()
                  + ": hard link '"
                  + e.getName()
                  + "' points at '"
                  + e.getLinkName()
                  + "', which is "
                  + (a == null ? "missing" : "a directory"));
        }
        Files.createLink(p, target);
      } else {
        Files.copy(content, p);
        owner(p, e);
        mode(p, e.getMode());
        time(p, e);
      }
      thisLayer.add(rel);
    }

    private void whiteout(String name, List<String> parentPath, String base)
        throws ImageException, IOException {
      List<String> parent = resolveDirectory(name, parentPath, false);
      if (parent == null) {
        return; // nothing below to hide
      }
      if (base.equals(OPAQUE)) {
        String dir = String.join("/", parent);
        for (String child : children(dir.isEmpty() ? root : root.resolve(dir))) {
          removeLower(join(parent, child));
        }
        return;
      }
      if (base.startsWith(WHITEOUT_META)) {
        return; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs)
      }
      String hidden = base.substring(WHITEOUT.length());
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
        throw refuse(name, "it is a whiteout of '" + hidden + "'");
      }
      String rel = join(parent, hidden);
      if (!thisLayer.contains(rel)) {
        removeLower(rel);
      }
    }

    /**
     * Deletes what lower layers left at {@code rel}: everything not written by this layer. A
     * directory of this layer is kept, but its lower content goes (for an opaque parent).
     */
    private void removeLower(String rel) throws IOException {
      Path p = root.resolve(rel);
      BasicFileAttributes a = attributes(p);
      if (a == null) {
        return;
      }
      if (a.isDirectory()) {
        for (String child : children(p)) {
          removeLower(rel + "/" + child);
        }
        if (!thisLayer.contains(rel) && children(p).isEmpty()) {
          Files.delete(p);
          forgetDirectories(rel);
        }
        return;
      }
      if (!thisLayer.contains(rel)) {
        Files.delete(p);
      }
    }

    /** Deletes whatever is at {@code rel}, a whole tree for a directory (links not followed). */
    private void delete(String rel) throws IOException {
      Path p = root.resolve(rel);
      BasicFileAttributes a = attributes(p);
      if (a == null) {
        return;
      }
      if (a.isDirectory()) {
        for (String child : children(p)) {
          delete(rel + "/" + child);
        }
        forgetDirectories(rel);
      }
      Files.delete(p);
    }

    private void forgetDirectories(String rel) {
      directories.keySet().removeIf(k -> k.equals(rel) || k.startsWith(rel + "/"));
    }

    /**
     * The real path, relative to the root, of the directory {@code components} names: each
     * component is looked at without following links; a symbolic link is followed within the root.
     * Missing directories are created when {@code create}, else null is returned.
     */
    private List<String> resolveDirectory(String entry, List<String> components, boolean create)
        throws ImageException, IOException {
      Deque<String> todo = new ArrayDeque<>(components);
      List<String> current = new ArrayList<>();
      int hops = 0;
      String via = null;
      while (!todo.isEmpty()) {
        String c = todo.pollFirst();
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          if (current.isEmpty()) {
            throw refuse(
                entry, "it goes through the symbolic link '" + via + "', which points outside");
          }
          current.remove(current.size() - 1);
          continue;
        }
        String rel = join(current, c);
        Path p = root.resolve(rel);
        BasicFileAttributes a = attributes(p);
        if (a == null) {
          if (!create) {
            return null;
          }
          try {
            Files.createDirectory(p);
          } catch (FileAlreadyExistsException e) {
            // created meanwhile: fine
          }
          thisLayer.add(rel);
          current.add(c);
          continue;
        }
        if (a.isSymbolicLink()) {
          if (++hops > MAX_LINK_HOPS) {
            throw new ImageException(
                ImageException.Kind.OTHER,
                "layer "
                    + layer.digest()
                    + ": entry '"
                    + entry
                    + "': too many levels of symbolic links");
          }
          via = rel;
          String target = Files.readSymbolicLink(p).toString();
          if (target.startsWith("/")) {
            current.clear(); // absolute: from the image's root, which is the target directory
          }
          String[] parts = target.split("/");
          for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
          }
          continue;
        }
        if (!a.isDirectory() && create && !thisLayer.contains(rel)) {
          // A lower layer's file where this layer has a directory: the directory wins.
          Files.delete(p);
          Files.createDirectory(p);
          thisLayer.add(rel);
          current.add(c);
          continue;
        }
        if (!a.isDirectory()) {
          throw new ImageException(
              ImageException.Kind.OTHER,
              "layer "
                  + layer.digest()
                  + ": entry '"
                  + entry
                  + "' needs '"
                  + rel
                  + "' to be a directory, but it is a file");
        }
        current.add(c);
      }
      return current;
    }

    /** An entry name's components; refuses absolute paths and {@code ..}. */
    private List<String> entryPath(String name, String entry) throws ImageException {
      if (name.startsWith("/")) {
        throw refuse(entry, "'" + name + "' is an absolute path");
      }
      List<String> out = new ArrayList<>();
      for (String c : name.split("/")) {
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          throw refuse(entry, "'" + name + "' climbs out with '..'");
        }
        out.add(c);
      }
      return out;
    }

    private ImageException refuse(String entry, String why) {
      return new ImageException(
          ImageException.Kind.OTHER,
          "refusing layer "
              + layer.digest()
              + ": entry '"
              + entry
              + "' would land outside "
              + root
              + " ("
              + why
              + ")");
    }

    /** Directory modes, owners and times, deepest first. */
    void finish() throws IOException {
      List<String> dirs = new ArrayList<>(directories.keySet());
      dirs.sort(Comparator.comparingInt((String s) -> s.split("/").length).reversed());
      for (String rel : dirs) {
        Path p = root.resolve(rel);
        BasicFileAttributes a = attributes(p);
        if (a == null || !a.isDirectory()) {
          continue;
        }
        TarArchiveEntry e = directories.get(rel);
        owner(p, e);
        mode(p, e.getMode());
        time(p, e);
      }
    }

    private void owner(Path p, TarArchiveEntry e) throws IOException {
      if (!chown) {
        return;
      }
      Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }

    private void time(Path p, TarArchiveEntry e) {
      try {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setTimes(FileTime.from(e.getLastModifiedDate().toInstant()), null, null);
      } catch (IOException | UnsupportedOperationException ex) {
        // a symbolic link's time cannot be set everywhere; the content is what matters
      }
    }
  }

  /** Sets permission bits, with setuid, setgid and sticky where the platform allows. */
  private static void mode(Path p, int mode) throws IOException {
    int bits = mode & 07777;
    try {
      Files.setAttribute(p, "unix:mode", bits);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
      PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE,
        PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ
      };
      for (int i = 0; i < order.length; i++) {
        if ((bits & (1 << i)) != 0) {
          perms.add(order[i]);
        }
      }
      Files.setPosixFilePermissions(p, perms);
    }
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static List<String> children(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path c : s) {
        out.add(c.getFileName().toString());
      }
    }
    return out;
  }

  private static String join(List<String> parent, String name) {
    return parent.isEmpty() ? name : String.join("/", parent) + "/" + name;
  }
}
