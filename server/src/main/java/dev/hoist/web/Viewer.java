package dev.hoist.web;

/**
 * Who is looking at a page, as far as the pages need to know: a signed-in user's name (null for an
 * anonymous visitor), whether they may change things (delete, run a sync), and the token a form
 * that changes something must echo (CSRF; empty when nothing may be changed).
 *
 * <p>A server without auth is open, as its registry API is: every visitor is an admin without a
 * name ({@link #OPEN}). With auth, anonymous visitors see only what anonymous pulls may read.
 */
public record Viewer(String username, boolean admin, String csrf) {
  /** Any visitor of a server without auth. */
  public static final Viewer OPEN = new Viewer(null, true, "");

  /** A visitor who has not signed in, on a server with auth. */
  public static final Viewer ANONYMOUS = new Viewer(null, false, "");

  public Viewer {
    csrf = csrf == null ? "" : csrf;
  }

  public boolean signedIn() {
    return username != null;
  }
}
