package dev.hoist.ui;

import dev.hoist.auth.AuthService;
import dev.hoist.auth.User;
import dev.hoist.oci.RepositoryName;
import dev.hoist.web.Viewer;

/**
 * Which repositories a viewer may read: the token service's policy (a repository the viewer may not
 * pull is neither listed nor shown, and answers 404 like a missing one, so names do not leak).
 */
public interface ViewerAccess {
  /** What {@code viewer} may read, found once per request. Blocks (a user directory). */
  Readable of(Viewer viewer);

  /** The repositories one viewer may read. */
  @FunctionalInterface
  interface Readable {
    /**
     * @param mirrored whether {@code name} is a cache name of the mirror
     */
    boolean mayPull(RepositoryName name, boolean mirrored);
  }

  /** A server without auth: everything may be read. */
  static ViewerAccess open() {
    return viewer -> (name, mirrored) -> true;
  }

  /** With auth: the user the viewer signed in as (or anonymous) under {@code auth}'s policy. */
  static ViewerAccess of(AuthService auth) {
    return viewer -> {
      User user = viewer.signedIn() ? auth.user(viewer.username()).orElse(null) : null;
      return (name, mirrored) -> auth.allows(user, name.value(), mirrored, "pull");
    };
  }
}
