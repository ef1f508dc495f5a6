package dev.hoist.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Users from an htpasswd file ({@code htpasswd -B}): one {@code name:hash} a line, blank lines and
 * {@code #} comments ignored. Only bcrypt hashes ({@code $2y$}, {@code $2b$}, {@code $2a$}) are
 * accepted; any other kind (MD5 {@code $apr1$}, SHA-1 {@code {SHA}}, crypt, plain text) stops Hoist
 * at start with the line number, never the hash. Read once at start.
 */
public final class HtpasswdDirectory implements UserDirectory {
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");

  private final Map<String, String> hashes;
  private final Set<String> admins;
  // A hash of a random password with the file's cost, checked for unknown users so that they take
  // as long as known ones.
  private final String dummy;

  private HtpasswdDirectory(Map<String, String> hashes, Set<String> admins) {
    this.hashes = Map.copyOf(hashes);
    this.admins = Set.copyOf(admins);
    int cost =
        hashes.values().stream()
            .findFirst()
            .map(h -> Integer.parseInt(h.substring(4, 6)))
            .orElse(10);
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    char[] password = Long.toHexString(random.nextLong()).toCharArray();
    this.dummy = OpenBSDBCrypt.generate("2y", password, salt, Math.max(4, Math.min(cost, 31)));
  }

  /**
   * Reads {@code file}; users named in {@code admins} are admins.
   *
   * @throws IllegalArgumentException when a line is not {@code name:bcrypt-hash}
   */
  public static HtpasswdDirectory load(Path file, Set<String> admins) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the htpasswd file " + file, e);
    }
    Map<String, String> hashes = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String where = file + " line " + (i + 1);
      if (colon <= 0) {
        throw new IllegalArgumentException(where + ": not name:hash");
      }
      String name = line.substring(0, colon);
      String hash = line.substring(colon + 1);
      if (!BCRYPT.matcher(hash).matches()) {
        throw new IllegalArgumentException(
            where
                + " (user "
                + name
                + "): only bcrypt hashes ($2y$) are supported; recreate the entry with"
                + " htpasswd -B");
      }
      if (hashes.putIfAbsent(name, hash) != null) {
        throw new IllegalArgumentException(where + ": user " + name + " appears twice");
      }
    }
    return new HtpasswdDirectory(hashes, admins == null ? Set.of() : admins);
  }

  /** The users' names. */
  public Set<String> names() {
    return hashes.keySet();
  }

  /** How many users the file has. */
  public int size() {
    return hashes.size();
  }

  /** Checks the password with bcrypt: slow on purpose, so call it off the event loop. */
  @Override
  public Optional<User> authenticate(String username, String password) {
    if (username == null || password == null || password.isEmpty()) {
      return Optional.empty();
    }
    String hash = hashes.get(username);
    boolean ok = check(hash == null ? dummy : hash, password);
    if (hash == null || !ok) {
      return Optional.empty();
    }
    return Optional.of(new User(username, admins.contains(username), Set.of()));
  }

  @Override
  public Optional<Entry> find(String username) {
    String hash = username == null ? null : hashes.get(username);
    if (hash == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Entry(
            new User(username, admins.contains(username), Set.of()),
            UserDirectory.passwordStamp(hash)));
  }

  private static boolean check(String hash, String password) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (RuntimeException e) {
      // e.g. a password longer than bcrypt's 72 bytes
      return false;
    }
  }

  @Override
  public String toString() {
    return "HtpasswdDirectory[users=" + hashes.size() + "]";
  }
}
