package dev.hoist.oci;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The platform an image runs on, as an index entry or an image config describes it.
 *
 * <p>Values are kept as written (so an index is echoed faithfully); {@link #matches} and {@link
 * ImageIndex#select} compare {@link #normalized()} forms, following containerd: {@code aarch64} is
 * {@code arm64}, {@code x86_64} is {@code amd64}, {@code arm64} without a variant is {@code
 * arm64/v8}, {@code arm} without a variant is {@code arm/v7}. A blank variant or OS version is
 * stored as null.
 */
public record Platform(
    String os,
    String architecture,
    @Nullable String variant,
    @Nullable String osVersion,
    List<String> osFeatures) {
  private static final Pattern PART = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Pattern LEVEL = Pattern.compile("v([0-9]+)(?:\\.[0-9]+)?");

  public Platform {
    if (os == null || os.isBlank()) {
      throw new IllegalArgumentException("platform os must not be blank");
    }
    if (architecture == null || architecture.isBlank()) {
      throw new IllegalArgumentException("platform architecture must not be blank");
    }
    variant = blankToNull(variant);
    osVersion = blankToNull(osVersion);
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
  }

  public Platform(String os, String architecture) {
    this(os, architecture, null, null, List.of());
  }

  public Platform(String os, String architecture, @Nullable String variant) {
    this(os, architecture, variant, null, List.of());
  }

  /**
   * Parses {@code os/architecture[/variant]} as given to {@code --platform}, e.g. {@code
   * linux/amd64} or {@code linux/arm64/v8}. Case is ignored; the values are kept otherwise as
   * written.
   */
  public static Platform parse(@Nullable String text) {
    if (text == null) {
      throw new IllegalArgumentException("invalid platform: null");
    }
    String[] parts = text.toLowerCase(Locale.ROOT).split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw new IllegalArgumentException(
          "invalid platform " + Texts.quote(text) + ": expected os/architecture[/variant]");
    }
    for (String part : parts) {
      if (!PART.matcher(part).matches()) {
        throw new IllegalArgumentException(
            "invalid platform "
                + Texts.quote(text)
                + ": each part must be lowercase letters, digits, '.', '_' or '-'");
      }
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
  }

  /** The platform of the running JVM, in OCI terms. */
  public static Platform current() {
    return fromJvm(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
  }

  /** Maps Java's {@code os.name} and {@code os.arch} to OCI names. */
  static Platform fromJvm(String osName, String osArch) {
    String name = osName.toLowerCase(Locale.ROOT);
    String os;
    if (name.startsWith("windows")) {
      os = "windows";
    } else if (name.startsWith("mac") || name.startsWith("darwin")) {
      os = "darwin";
    } else if (name.startsWith("sunos")) {
      os = "solaris";
    } else {
      os = name.replace(" ", "");
    }
    String arch = osArch.toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64", "x86-64" -> new Platform(os, "amd64");
      // Docker and containerd report arm64 hosts with variant v8.
      case "aarch64", "arm64" -> new Platform(os, "arm64", "v8");
      case "arm", "arm32", "aarch32", "armv7l", "armhf" -> new Platform(os, "arm", "v7");
      case "x86", "i386", "i486", "i586", "i686" -> new Platform(os, "386");
      case "loongarch64" -> new Platform(os, "loong64");
      case "mips64el" -> new Platform(os, "mips64le");
      default -> new Platform(os, arch);
    };
  }

  /**
   * This platform in containerd's normal form: lowercase; {@code macos} as {@code darwin}; {@code
   * aarch64}, {@code x86_64}, {@code i386}, {@code armhf}, {@code armel} by their Go names; the
   * default variants dropped ({@code arm64/v8}, {@code amd64/v1}) or added ({@code arm/v7}).
   */
  public Platform normalized() {
    String o = os.toLowerCase(Locale.ROOT);
    if (o.equals("macos")) {
      o = "darwin";
    }
    String a = architecture.toLowerCase(Locale.ROOT);
    String v = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
    switch (a) {
      case "i386" -> {
        a = "386";
        v = "";
      }
      case "x86_64", "x86-64", "amd64" -> {
        a = "amd64";
        if (v.equals("v1")) {
          v = "";
        }
      }
      case "aarch64", "arm64" -> {
        a = "arm64";
        if (v.equals("8") || v.equals("v8") || v.equals("v8.0")) {
          v = "";
        } else if (v.equals("9") || v.equals("9.0") || v.equals("v9.0")) {
          v = "v9";
        }
      }
      case "armhf" -> {
        a = "arm";
        v = "v7";
      }
      case "armel" -> {
        a = "arm";
        v = "v6";
      }
      case "arm" -> {
        if (v.isEmpty() || v.equals("7")) {
          v = "v7";
        } else if (v.equals("5") || v.equals("6") || v.equals("8")) {
          v = "v" + v;
        }
      }
      default -> {}
    }
    return new Platform(o, a, v, osVersion, osFeatures);
  }

  /**
   * Whether both name the same OS, architecture and variant once normalised ({@code linux/arm64}
   * matches {@code linux/arm64/v8}). OS version and features are not compared: Hoist stores and
   * serves images, it does not run them.
   */
  public boolean matches(Platform other) {
    Platform a = normalized();
    Platform b = other.normalized();
    return a.os.equals(b.os)
        && a.architecture.equals(b.architecture)
        && Objects.equals(a.variant, b.variant);
  }

  /** The attestation and signature entries of an index carry {@code unknown/unknown}. */
  boolean isUnknown() {
    return os.equals("unknown") && architecture.equals("unknown");
  }

  /**
   * The numeric level of a normalised platform's variant ({@code arm/v7} is 7, {@code arm64} is 8,
   * {@code amd64} is 1), or -1 when the variant has no such reading.
   */
  int variantLevel() {
    if (variant == null) {
      return switch (architecture) {
        case "arm64" -> 8;
        case "amd64" -> 1;
        default -> -1;
      };
    }
    var m = LEVEL.matcher(variant);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
