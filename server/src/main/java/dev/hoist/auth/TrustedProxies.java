package dev.hoist.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Addresses ({@code 10.0.0.5}) and ranges ({@code 10.0.0.0/8}) whose forwarding headers count. */
final class TrustedProxies {
  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

  private record Range(byte[] network, int bits) {}

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = ranges;
  }

  static TrustedProxies parse(List<String> entries) {
    List<Range> ranges = new ArrayList<>();
    for (String entry : entries) {
      String e = entry.trim();
      int slash = e.indexOf('/');
      String address = slash < 0 ? e : e.substring(0, slash);
      byte[] bytes = literal(address);
      if (bytes == null) {
        throw new IllegalArgumentException(
            "auth.trustedProxies: '" + entry + "' is not an IP address or CIDR range");
      }
      int bits = bytes.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(e.substring(slash + 1));
        } catch (NumberFormatException ex) {
          bits = -1;
        }
        if (bits < 0 || bits > bytes.length * 8) {
          throw new IllegalArgumentException(
              "auth.trustedProxies: '" + entry + "' has an invalid prefix length");
        }
      }
      ranges.add(new Range(bytes, bits));
    }
    return new TrustedProxies(List.copyOf(ranges));
  }

  boolean trusts(String address) {
    if (address == null || ranges.isEmpty()) {
      return false;
    }
    byte[] a = literal(address);
    if (a == null) {
      return false;
    }
    for (Range r : ranges) {
      if (r.network().length == a.length && matches(r.network(), a, r.bits())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(byte[] network, byte[] address, int bits) {
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >> (i % 8);
      if ((network[i / 8] & mask) != (address[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** The bytes of an IP literal, never resolving a name; null when it is no literal. */
  private static byte[] literal(String text) {
    String t =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (t.isEmpty() || !LITERAL.matcher(t).matches() || (!t.contains(":") && !t.contains("."))) {
      return null;
    }
    try {
      return InetAddress.getByName(t).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
