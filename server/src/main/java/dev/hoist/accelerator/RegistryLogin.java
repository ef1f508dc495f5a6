package dev.hoist.accelerator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an account signs in to this registry and where it may push, ready to paste.
 *
 * @param address the registry's {@code host[:port]}, as clients name it in image references
 * @param user the name to sign in with: the username, or the email of an account whose username the
 *     configuration reserves
 * @param namespace {@code <address>/<username>}, or null for an account without one
 * @param insecure whether clients reach the registry over plain HTTP (they must be told so)
 */
record RegistryLogin(String address, String user, String namespace, boolean insecure) {

  static RegistryLogin of(String scheme, String address, String user, String username) {
    return new RegistryLogin(
        address, user, username == null ? null : address + "/" + username, scheme.equals("http"));
  }

  /** An image name the account may push, or null without a namespace. */
  String example() {
    return namespace == null ? null : namespace + "/app";
  }

  String dockerLogin() {
    return "docker login " + address + " -u " + user;
  }

  String skopeoLogin() {
    return "skopeo login " + (insecure ? "--tls-verify=false " : "") + address + " -u " + user;
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("address", address);
    json.put("user", user);
    json.put("namespace", namespace);
    json.put("example", example());
    json.put("insecure", insecure);
    json.put("dockerLogin", dockerLogin());
    json.put("skopeoLogin", skopeoLogin());
    return json;
  }
}
