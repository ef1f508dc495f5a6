#!/usr/bin/env bash
# Builds the base of Hoist's container image on this machine, with nothing pulled from a
# container registry: a minimal Debian root filesystem (debootstrap --variant=minbase, from the
# Debian package source) plus a jlink'ed Java runtime at /opt/java, made from the JDK 21+ that
# ./mvnw and ./hoist use (scripts/find-jdk.sh). The result is one image tar in `docker save`
# format (one gzip layer), which Jib takes as its base (`tar://...`, see app/pom.xml) and which
# `docker load` also reads.
#
#   scripts/build-base-image.sh [--force]
#
# Prints the tar's path on stdout. The tar is cached under ~/.cache/hoist (HOIST_CACHE_DIR), keyed
# by a hash of this script's commands and of the JDK's release file: a second run prints the path
# at once.
# ~/.cache/hoist/base-image.tar is always the newest one (a hard link); the image build reads it.
# --force rebuilds. DEBIAN_MIRROR (default http://deb.debian.org/debian) names the package source.
# Needs root (debootstrap makes device nodes and chowns files), debootstrap and a JDK 21+ whose
# jlink can link (a jmods folder, or JDK 24+ built with a linkable run-time image).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script="$root/scripts/build-base-image.sh"
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"

suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The uid and gid the image runs as (Hoist's user in /etc/passwd), and its data directory.
uid=65532
data_dir=/var/lib/hoist
# What hoist.jar needs: `jdeps --print-module-deps --ignore-missing-deps --multi-release 25` on the
# shaded jar's classes (java.base ... jdk.unsupported), plus what it loads by name at run time,
# which jdeps cannot see: java.logging (JUL, behind SLF4J bridges), jdk.crypto.ec (EC keys in TLS
# to upstream registries on JDK 21), jdk.naming.dns (DNS lookups through JNDI), jdk.zipfs (zip file
# systems). ContainerImageIT runs the server in the image: serving, pushes and pulls, SQLite.
# (jdeps needs the jar's classes unpacked, or it takes the shaded jar for one of its modules.)
modules=java.base,java.compiler,java.desktop,java.logging,java.naming,java.net.http,java.security.jgss,java.sql,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs

force=false
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$script"; exit 0 ;;
    *) echo "build-base-image: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "build-base-image: $*" >&2; exit 1; }

if ! java_bin="$(find_java jdk)"; then
  fail "no JDK 21 or newer found (looked at JAVA_HOME, PATH, /usr/lib/jvm ...); install one or set JAVA_HOME"
fi
java_home="$(java_home_of "$java_bin")"
[ -x "$java_home/bin/jlink" ] || fail "$java_home has no bin/jlink: a full JDK 21+ is needed, not a JRE"
[ -f "$java_home/release" ] || fail "$java_home has no release file: not a JDK"

case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) fail "unsupported machine $(uname -m)" ;;
esac

cache="${HOIST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hoist}"
# The key: this script without its comments, the JDK, the machine and the package source.
key="$( { grep -v '^[[:space:]]*#' "$script"; cat "$java_home/release"; echo "$arch $mirror"; } | sha256sum | cut -c1-16)"
out="$cache/base-image-$key.tar"
link="$cache/base-image.tar"

# The path the image build reads: a hard link (Maven's file checks refuse a symbolic one).
publish() {
  ln -f "$out" "$link"
  local old
  for old in "$cache"/base-image-*.tar; do
    [ "$old" = "$out" ] || rm -f "$old"
  done
}

if [ -f "$out" ] && [ "$force" = false ]; then
  publish
  echo "$out"
  exit 0
fi

# Checked only when there is something to build: a cached tar needs none of them.
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] ||
  fail "debootstrap is not installed (apt-get install debootstrap)"
[ "$(id -u)" = 0 ] || fail "debootstrap needs root (it creates device nodes and files owned by other users); run as root"
for tool in tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
PATH="$PATH:/usr/sbin:/sbin"

mkdir -p "$cache"
work="$(mktemp -d "$cache/base-build.XXXXXX")"
cleanup() {
  # debootstrap may leave /proc mounted in the root filesystem when it is interrupted.
  umount -l "$work/rootfs/proc" 2>/dev/null || true
  umount -l "$work/rootfs/sys" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rootfs="$work/rootfs"
started=$SECONDS

echo "build-base-image: debootstrap --variant=minbase $suite from $mirror (about a minute) ..." >&2
if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -20 "$rootfs/debootstrap/debootstrap.log" >&2
  fail "debootstrap failed (is $mirror reachable? DEBIAN_MIRROR names another package source)"
fi

# What a container gets from its runtime, and what only an interactive system needs.
rm -rf "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* "$rootfs"/run/* "$rootfs"/tmp/* \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/etc/hostname "$rootfs"/etc/resolv.conf
: >"$rootfs/etc/machine-id"
chmod 1777 "$rootfs/tmp"

# Hoist's user and its data directory, writable by it (a named volume mounted there starts as a
# copy of it, owner included).
echo "hoist:x:$uid:$uid:Hoist:$data_dir:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
echo "hoist:x:$uid:" >>"$rootfs/etc/group"
echo "hoist:!:19000::::::" >>"$rootfs/etc/shadow"
mkdir -p "$rootfs$data_dir" "$rootfs/opt/hoist"
chown "$uid:$uid" "$rootfs$data_dir"
chmod 0750 "$rootfs$data_dir"

echo "build-base-image: jlink from $java_home ..." >&2
if ! "$java_home/bin/jlink" --add-modules "$modules" --output "$rootfs/opt/java" \
       --strip-debug --no-header-files --no-man-pages --generate-cds-archive \
       >"$work/jlink.log" 2>&1; then
  cat "$work/jlink.log" >&2
  fail "jlink failed: $java_home must have a jmods folder or a linkable run-time image (JDK 24+)"
fi
"$rootfs/opt/java/bin/java" -version >/dev/null 2>&1 || fail "the linked runtime does not start"

echo "build-base-image: packing ..." >&2
image="$work/image"
mkdir -p "$image"
tar -C "$rootfs" --numeric-owner --sort=name -cf "$work/layer.tar" .
diff_id="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -6 "$work/layer.tar"
layer_digest="$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)"
mv "$work/layer.tar.gz" "$image/$layer_digest.tar.gz"

created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
jdk_version="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$java_home/release")"
cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"$created","config":{"Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"$created","created_by":"scripts/build-base-image.sh: debootstrap --variant=minbase $suite, jlink of Java $jdk_version at /opt/java, user hoist ($uid), $data_dir"}]}
EOF
config_digest="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$image/$config_digest.json"
cat >"$image/manifest.json" <<EOF
[{"Config":"$config_digest.json","RepoTags":["hoist-base:$key"],"Layers":["$layer_digest.tar.gz"]}]
EOF
tar -C "$image" -cf "$work/base-image.tar" manifest.json "$config_digest.json" "$layer_digest.tar.gz"
mv "$work/base-image.tar" "$out"
publish
echo "build-base-image: built in $((SECONDS - started)) s, $(du -m "$out" | cut -f1) MiB" >&2
echo "$out"
