#!/usr/bin/env bash
# Makes the server's start-up cache beside hoist.jar: a JDK 25+ AOT cache (JEP 483/514) recorded
# from one short run of `hoist serve` (start, a few requests, SIGTERM), and a line naming the Java
# that made it. ./hoist uses the cache only with that very Java (elsewhere the JVM would ignore it
# and the dynamic CDS archive serves better); with Java 21-24 there is no AOT cache and ./hoist
# keeps its dynamic CDS archive. Run by the app module's package phase; issue 22 owns the
# training workload and its figures.
#
#   scripts/make-start-cache.sh LAUNCHER
#
# LAUNCHER is the ./hoist to train through (the checkout's, or a release's), so the cache is made
# with the same JVM options and the same jar path as later runs.
set -euo pipefail
launcher="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
java_bin="$(find_java)" || { echo "make-start-cache: no Java 21+ found" >&2; exit 1; }
feature="$(java_feature "$java_bin")"
if [ "$feature" -lt 25 ]; then
  echo "make-start-cache: Java $feature makes no AOT cache (25+ does); ./hoist keeps its CDS archive"
  exit 0
fi
if [ -f "$(dirname "$launcher")/pom.xml" ]; then
  jar_dir="$(dirname "$launcher")/app/target"
else
  jar_dir="$(dirname "$launcher")"
fi
cache="$jar_dir/hoist-serve.aot"
rm -f "$cache" "$cache.jdk"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nothing answers on.
port=""
for candidate in $(seq 23500 23600); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
done
[ -n "$port" ] || { echo "make-start-cache: no free port in 23500-23600" >&2; exit 1; }

HOIST_AOT_CACHE_OUTPUT="$cache" "$launcher" serve --listen "127.0.0.1:$port" \
  --data-dir "$work/data" >"$work/serve.log" 2>&1 &
server=$!

request() { # METHOD PATH: one HTTP/1.1 request, the answer discarded
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" "$2" >&3
  cat <&3 >/dev/null
  exec 3<&-
}
for _ in $(seq 1 600); do
  request GET /v2/ 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "make-start-cache: hoist serve exited" >&2; exit 1; }
  sleep 0.1
done
for _ in 1 2 3; do
  for path in /v2/ /v2/_catalog /v2/train/app/tags/list /v2/train/app/manifests/latest \
              /healthz /readyz /metrics /static/hoist.css; do
    request GET "$path"
  done
  request HEAD /v2/train/app/manifests/latest
done
kill -TERM "$server"
# The JVM writes the cache as it exits.
for _ in $(seq 1 1200); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
wait "$server" || true
server=""
if [ ! -s "$cache" ]; then
  tail -20 "$work/serve.log" >&2
  echo "make-start-cache: no cache was written to $cache" >&2
  exit 1
fi
java_identity "$java_bin" >"$cache.jdk"
echo "make-start-cache: $cache ($(du -m "$cache" | cut -f1) MiB) for $(cat "$cache.jdk")"
