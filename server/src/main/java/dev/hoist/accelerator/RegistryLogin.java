package dev.hoist.accelerator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an account signs in to this registry and where it may push, ready to paste.
 *
 * @param address the registry's {@code host[:port]}, as clients name it in image references
 * @param user the name to sign in with: the username, or the email of an account whose username the
 *     configuration reserves
 * @param namespace {@code <address>/<prefix>/<username>}, or null for an account without one
 * @param insecure whether clients reach the registry over plain HTTP (they must be told so)
 * @param authRequired whether the registry checks passwords; without it there are no login lines
 *     (any password would "succeed"), anyone may push anywhere, and the console says so
 */
record RegistryLogin(
    String address, String user, String namespace, boolean insecure, boolean authRequired) {

  /**
   * @param namespacePath {@code <prefix>/<username>}, or null for an account without a namespace
   */
  static RegistryLogin of(
      String scheme, String address, String user, String namespacePath, boolean authRequired) {
    return new RegistryLogin(
        address,
        user,
        namespacePath == null ? null : address + "/" + namespacePath,
        scheme.equals("http"),
        authRequired);
  }

  /** An image name the account may push, or null without a namespace. */
  String example() {
    return namespace == null ? null : namespace + "/app";
  }

  /** A push line that works: tag a local image into the namespace and push it. */
  String pushExample() {
    return namespace == null ? null : "docker tag app " + example() + "\ndocker push " + example();
  }

  /** Null without auth: {@code docker login} would say "Login Succeeded" for any password. */
  String dockerLogin() {
    return authRequired ? "docker login " + address + " -u " + user : null;
  }

  String skopeoLogin() {
    return authRequired
        ? "skopeo login " + (insecure ? "--tls-verify=false " : "") + address + " -u " + user
        : null;
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("address", address);
    json.put("user", user);
    json.put("namespace", namespace);
    json.put("example", example());
    json.put("push", pushExample());
    json.put("insecure", insecure);
    json.put("authRequired", authRequired);
    json.put("dockerLogin", dockerLogin());
    json.put("skopeoLogin", skopeoLogin());
    return json;
  }
}
