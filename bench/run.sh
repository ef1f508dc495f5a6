#!/usr/bin/env bash
# Hoist benchmark: Hoist's mirror against Distribution's proxy and nginx, side by side, on
# loopback. Prints one table and writes it to bench/results/. See bench/README.md.
#
#   bench/run.sh [--quick] [--reps N] [--no-build] [--profile] [--keep]
#
# Installs what it needs from Debian when missing (apt-get), builds the Hoist jar when it is
# older than the sources, writes the synthetic images once (bench/work/images), then runs
# bench/harness.py. Bounded to about 10 minutes on a 2-core machine (--quick: about 3).
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
work="${BENCH_WORK:-$bench/work}"

quick=0 build=1 profile=0 keep=0
reps="${BENCH_REPS:-}"
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --reps) reps="$2"; shift ;;
    --reps=*) reps="${1#*=}" ;;
    --no-build) build=0 ;;
    --profile) profile=1 ;;
    --keep) keep=1 ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  reps="${reps:-1}"
  manifest_seconds="${BENCH_MANIFEST_SECONDS:-3}"
  startup_runs="${BENCH_STARTUP_RUNS:-3}"
  huge_mib="${BENCH_HUGE_MIB:-0}"
  max_minutes="${BENCH_MAX_MINUTES:-6}"
else
  reps="${reps:-3}"
  manifest_seconds="${BENCH_MANIFEST_SECONDS:-4}"
  startup_runs="${BENCH_STARTUP_RUNS:-5}"
  huge_mib="${BENCH_HUGE_MIB:-2048}"
  max_minutes="${BENCH_MAX_MINUTES:-14}"
fi
concurrency="${BENCH_CONCURRENCY:-16}"
streams="${BENCH_STREAMS:-8}"
seed="${BENCH_SEED:-20260101}"

say() { printf '[bench] %s\n' "$*" >&2; }

# --- packages -------------------------------------------------------------------------------
# command -> Debian package
need=()
check() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || need+=("$2"); }
check skopeo skopeo
check /usr/bin/docker-registry docker-registry
check /usr/sbin/nginx nginx-light
check wrk wrk
check curl curl
check cc gcc
check python3 python3
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "run.sh: missing ${need[*]}; install them (apt-get install -y ${need[*]}) or run as root" >&2
    exit 1
  fi
  # RUNLEVEL=1 keeps the packages' init scripts from starting services (nginx on :80, ...).
  export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
  if ! apt-get install -y -q "${need[@]}" >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q "${need[@]}" >/dev/null
  fi
fi

# --- a JDK 21+, found the way ./hoist finds it ------------------------------------------------
java_feature() {
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1)"
  case "$v" in 1.*) v="${v#1.}" ;; esac
  printf '%s' "${v%%.*}"
}
usable() { local f; [ -x "$1" ] || return 1; f="$(java_feature "$1")"; [ -n "$f" ] && [ "$f" -ge 21 ] 2>/dev/null; }
find_java() {
  local c
  if [ -n "${JAVA_HOME:-}" ] && usable "$JAVA_HOME/bin/java"; then printf '%s' "$JAVA_HOME/bin/java"; return 0; fi
  if c="$(command -v java 2>/dev/null)" && usable "$c"; then printf '%s' "$c"; return 0; fi
  for c in /usr/lib/jvm/*/bin/java /usr/java/*/bin/java /opt/java/*/bin/java /opt/jdk*/bin/java; do
    if usable "$c"; then printf '%s' "$c"; return 0; fi
  done
  return 1
}
java_bin="$(find_java)" || { echo "run.sh: no JDK 21+ found (JAVA_HOME, PATH, /usr/lib/jvm)" >&2; exit 1; }

# --- the Hoist jar --------------------------------------------------------------------------
# The newer of the tree's own jar and the one this script last built privately (below).
jar="$root/app/target/hoist.jar"
if [ -f "$work/src/app/target/hoist.jar" ] && { [ ! -f "$jar" ] || [ "$work/src/app/target/hoist.jar" -nt "$jar" ]; }; then
  jar="$work/src/app/target/hoist.jar"
fi
stale() {
  [ -f "$jar" ] || return 0
  [ -n "$(find "$root" -path "$root/bench" -prune -o -path "$root/bench-jmh" -prune -o \
          \( -path '*/src/main/*' -o -name pom.xml \) -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}
if [ "$build" = 1 ] && stale; then
  # Built in a private copy of the sources: others may be building in this tree at the same
  # time, and two Mavens writing the same target/ directories break each other.
  say "building the Hoist jar (sources are newer than $jar) in $work/src ..."
  rm -rf "$work/src" && mkdir -p "$work/src" && jar="$root/app/target/hoist.jar"
  (cd "$root" && tar --exclude=./.git --exclude=./bench --exclude=./bench-jmh --exclude='*/target' \
     --exclude=./target -cf - .) | (cd "$work/src" && tar -xf -)
  # Maven on the JDK found above (Spotless and Error Prone run in Maven's JVM and need 21+).
  if (cd "$work/src" && JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java_bin")")")" mvn -q -B -DskipTests -Dspotless.check.skip=true -pl app -am package) >"$work/build.log" 2>&1; then
    jar="$work/src/app/target/hoist.jar"
  elif [ -f "$jar" ]; then
    tail -30 "$work/build.log" >&2
    say "the build failed (log: $work/build.log); benchmarking the existing $jar"
  else
    tail -30 "$work/build.log" >&2
    echo "run.sh: the build failed and there is no jar (log: $work/build.log)" >&2
    exit 1
  fi
fi
[ -f "$jar" ] || { echo "run.sh: $jar is missing (run without --no-build)" >&2; exit 1; }
mkdir -p "$work"
# A private copy: other builds in the tree must not swap the jar under a running benchmark. The
# copy keeps its mtime, so its class-data-sharing archives (work/hoist-*.jsa) stay valid.
# A changed jar makes its archives stale, and the JVM does not replace a stale archive by itself
# (./hoist deletes them after a build too).
if ! cmp -s "$jar" "$work/hoist.jar"; then
  cp -p "$jar" "$work/hoist.jar"
  rm -f "$work"/hoist-*.jsa
fi

# --- hload, images --------------------------------------------------------------------------
if [ ! -x "$work/hload" ] || [ "$bench/hload.c" -nt "$work/hload" ]; then
  cc -O2 -Wall -pthread -o "$work/hload" "$bench/hload.c"
fi
say "images (seed $seed; written once, then reused)"
python3 "$bench/mkimages.py" "$work/images" --seed "$seed"

# --- machine facts --------------------------------------------------------------------------
machine_id="$(cut -c1-8 /etc/machine-id 2>/dev/null || hostname | sha256sum | cut -c1-8)"
date_utc="$(date -u +%Y-%m-%d)"
commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(cd "$root" && GIT_OPTIONAL_LOCKS=0 git status --porcelain --untracked-files=no -- . ':!bench/results' 2>/dev/null | head -1)" ]; then
  commit="$commit + uncommitted changes"
fi
jdk="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.\(vm\.vendor\|runtime\.version\) = //p' | tr '\n' ' ')"
facts="$work/facts.json"
python3 - "$facts" <<EOF
import json, os, sys
mem = [l for l in open("/proc/meminfo") if l.startswith("MemTotal")][0].split()[1]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({
    "date": "$(date -u +%Y-%m-%dT%H:%MZ)",
    "machine": "$machine_id",
    "cores": os.cpu_count(),
    "memory": f"{int(mem) / 1024 / 1024:.1f} GiB",
    "cpu": cpu,
    "jdk": "$jdk".strip() + " ($java_bin)",
    "commit": "$commit",
    "jar_sha": "$(sha256sum "$work/hoist.jar" | cut -c1-12)",
    "peers": "$(/usr/bin/docker-registry --version 2>&1 | head -1 | sed 's/.*distribution //'), $(skopeo --version), $(/usr/sbin/nginx -v 2>&1), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')",
    "command": "$( [ -n "${BENCH_ONLY:-}" ] && printf 'BENCH_ONLY=%s ' "$BENCH_ONLY" )bench/run.sh $( [ "$quick" = 1 ] && printf -- '--quick ' )--reps $reps",
}, open(sys.argv[1], "w"))
EOF

# A second run on the same day and machine gets its own file; the first stays as it was.
results_dir="${BENCH_RESULTS:-$bench/results}"
results="$results_dir/$date_utc-$machine_id.md"
n=2
while [ -e "$results" ]; do
  results="$results_dir/$date_utc-$machine_id-$n.md"
  n=$((n + 1))
done

# Row j: s3proxy (the test kit's S3Server) on its own classpath, and the machine's PostgreSQL.
s3proxy_cp=""
if (cd "$root" && ./mvnw -q -o -B -Dspotless.check.skip=true -DskipTests -pl testkit -am compile \
      dependency:build-classpath -Dmdep.outputFile="$work/s3proxy.classpath") >"$work/s3proxy-build.log" 2>&1; then
  s3proxy_cp="$root/testkit/target/classes:$(cat "$work/s3proxy.classpath")"
else
  say "row j will be skipped: the test kit did not build (log: $work/s3proxy-build.log)"
fi
postgres="${BENCH_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}"

args=(
  --s3proxy-cp "$s3proxy_cp" --postgres "$postgres" --only "${BENCH_ONLY:-}"
  --java "$java_bin" --jar "$work/hoist.jar" --images "$work/images" --workdir "$work"
  --hload "$work/hload" --reps "$reps" --concurrency "$concurrency" --streams "$streams"
  --manifest-seconds "$manifest_seconds" --startup-runs "$startup_runs" --huge-mib "$huge_mib"
  --seed "$seed" --max-minutes "$max_minutes" --facts "$facts"
  --results "$results"
)
[ "$profile" = 1 ] && args+=(--profile)
[ "$keep" = 1 ] && args+=(--keep)
exec python3 "$bench/harness.py" "${args[@]}"
