package dev.hoist.auth;

import java.util.Locale;

/** What clients without credentials may pull ({@code auth.anonymousPull}). */
public enum AnonymousPull {
  /** Nothing: every request needs a signed-in user. */
  NONE,
  /** Mirrored content (images of upstream registries), not the local repositories. */
  MIRRORED,
  /** Everything, mirrored and local. */
  ALL;

  /** From its configuration name: {@code none}, {@code mirrored} or {@code all}. */
  public static AnonymousPull parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not one of mirrored, all, none", e);
    }
  }
}
