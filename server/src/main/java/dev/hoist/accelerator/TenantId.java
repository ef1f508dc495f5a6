package dev.hoist.accelerator;

import java.util.regex.Pattern;

/**
 * The id of a tenant's personal mirror address: 1 to 63 lowercase letters and digits, so that it is
 * one DNS label ({@code <id>.<baseDomain>}) and one path segment ({@code /m/<id>}). New ids are 16
 * characters of random base32 ({@link TenantIds}). The metadata store keeps it as a string.
 */
record TenantId(String value) {
  private static final Pattern ID = Pattern.compile("[a-z0-9]{1,63}");

  TenantId {
    if (value == null || !isValid(value)) {
      throw new IllegalArgumentException("not a tenant id: 1 to 63 lowercase letters and digits");
    }
  }

  static boolean isValid(String text) {
    return ID.matcher(text).matches();
  }

  @Override
  public String toString() {
    return value;
  }
}
