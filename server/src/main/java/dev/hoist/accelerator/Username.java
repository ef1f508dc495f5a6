package dev.hoist.accelerator;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * An account's registry name: one repository path component by Docker's rules ({@code
 * [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*}), 2 to 30 characters. It is the subject of the account's
 * registry tokens, so the account may push to {@code <username>/...}.
 */
public record Username(String value) {
  public static final int MIN_LENGTH = 2;
  public static final int MAX_LENGTH = 30;

  /**
   * Names never given to an account, whatever the configuration: {@code library} holds Docker Hub's
   * official images, and {@code localhost} reads as a registry host.
   */
  public static final Set<String> ALWAYS_RESERVED = Set.of("library", "localhost");

  /** Said to whoever picks a name that does not fit. */
  public static final String RULE =
      "a username is "
          + MIN_LENGTH
          + " to "
          + MAX_LENGTH
          + " lowercase letters and digits, optionally separated by '.', '_', '__' or dashes,"
          + " starting and ending with a letter or digit";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*");
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-z0-9._-]+");
  private static final Pattern SEPARATORS = Pattern.compile("[._-]+");
  private static final String FALLBACK = "user";

  public Username {
    if (!isValid(value)) {
      throw new IllegalArgumentException(RULE);
    }
  }

  public static Username of(String value) {
    return new Username(value);
  }

  public static boolean isValid(String value) {
    return value != null
        && value.length() >= MIN_LENGTH
        && value.length() <= MAX_LENGTH
        && COMPONENT.matcher(value).matches();
  }

  /**
   * A valid name made from an email's local part ({@code John.Smith+hoist@example.com} gives {@code
   * john.smith-hoist}; accents dropped, other characters become dashes), with {@code 2}, {@code
   * 3}... appended until {@code unavailable} says no; {@code user} when nothing usable is left.
   */
  public static Username fromEmail(String email, Predicate<String> unavailable) {
    int at = email.lastIndexOf('@');
    String local = at < 0 ? email : email.substring(0, at);
    String base = sanitise(local);
    if (base.isEmpty()) {
      base = FALLBACK;
    }
    if (isValid(base) && !unavailable.test(base)) {
      return new Username(base);
    }
    for (int n = 2; ; n++) {
      String suffix = Integer.toString(n);
      String stem =
          trimSeparators(base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())));
      String candidate = stem + suffix;
      if (isValid(candidate) && !unavailable.test(candidate)) {
        return new Username(candidate);
      }
    }
  }

  private static String sanitise(String text) {
    String plain =
        MARKS
            .matcher(Normalizer.normalize(text, Normalizer.Form.NFD))
            .replaceAll("")
            .toLowerCase(Locale.ROOT);
    String dashed = NOT_ALLOWED.matcher(plain).replaceAll("-");
    // A run of separators is kept only when Docker's grammar allows it as it is.
    StringBuilder out = new StringBuilder();
    var runs = SEPARATORS.matcher(dashed);
    int last = 0;
    while (runs.find()) {
      out.append(dashed, last, runs.start());
      String run = runs.group();
      boolean allowed = run.equals(".") || run.equals("_") || run.equals("__") || run.matches("-+");
      out.append(allowed ? run : "-");
      last = runs.end();
    }
    out.append(dashed.substring(last));
    String cut = out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    return trimSeparators(cut);
  }

  private static String trimSeparators(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && "._-".indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && "._-".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(start, end);
  }

  @Override
  public String toString() {
    return value;
  }
}
