#!/usr/bin/env bash
# Runs a Hoist cluster on this machine, to try one: N `hoist serve` nodes sharing one PostgreSQL
# schema (metadata) and one S3 bucket (blobs, served by s3proxy from the test kit), behind nginx
# balancing round-robin. Clients use the balancer's address, like a single Hoist.
#
#   scripts/cluster.sh [nodes]          default 3 nodes; Ctrl-C stops everything
#
# Settings (environment):
#   HOIST_CLUSTER_PORT   the balancer's port (default 5000)
#   HOIST_CLUSTER_DIR    where nodes, nginx and the S3 data live (default ./cluster-run)
#   HOIST_CLUSTER_PG     the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/test);
#                        the script creates the schema hoist_cluster in it
#   HOIST_CLUSTER_MIRROR the mirror's upstream, NAME or NAME=URL (default docker.io)
# Needs PostgreSQL running, nginx (/usr/sbin/nginx) and psql; builds the jar and the test kit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodes="${1:-3}"
port="${HOIST_CLUSTER_PORT:-5000}"
dir="$(mkdir -p "${HOIST_CLUSTER_DIR:-$root/cluster-run}" && cd "${HOIST_CLUSTER_DIR:-$root/cluster-run}" && pwd)"
pg="${HOIST_CLUSTER_PG:-postgresql://postgres@127.0.0.1:5432/test}"
mirror="${HOIST_CLUSTER_MIRROR:-docker.io}"
schema=hoist_cluster

die() { echo "cluster: $*" >&2; exit 1; }
command -v psql >/dev/null || die "psql is missing (Debian: apt-get install postgresql-client)"
[ -x /usr/sbin/nginx ] || die "nginx is missing (Debian: apt-get install nginx-light)"
case "$nodes" in ''|*[!0-9]*) die "nodes must be a number, not $nodes" ;; esac

# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
java_bin="$(find_java)" || die "no Java 21 or newer found (set JAVA_HOME)"

pids=()
stop() {
  echo "cluster: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# PostgreSQL: one schema for every node.
psql_url="${pg}"
psql "$psql_url" -qc "CREATE SCHEMA IF NOT EXISTS $schema" >/dev/null \
  || die "cannot reach PostgreSQL at $pg (start it: pg_ctlcluster 15 main start)"

# The jar (./hoist builds it when stale) and the test kit's s3proxy.
"$root/hoist" --version >/dev/null
echo "cluster: building the test kit for s3proxy (once)"
(cd "$root" && ./mvnw -q -B -Dspotless.check.skip=true -DskipTests -pl testkit -am compile \
  dependency:build-classpath -Dmdep.outputFile="$dir/s3proxy.classpath" >"$dir/build.log" 2>&1) \
  || { tail -20 "$dir/build.log"; die "the test kit did not build (log: $dir/build.log)"; }
mkdir -p "$dir/s3"
"$java_bin" -cp "$root/testkit/target/classes:$(cat "$dir/s3proxy.classpath")" \
  dev.hoist.testkit.S3Server "$dir/s3" hoist >"$dir/s3proxy.out" 2>"$dir/s3proxy.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q S3_SECRET_KEY "$dir/s3proxy.out" 2>/dev/null && break; sleep 0.2; done
grep -q S3_SECRET_KEY "$dir/s3proxy.out" || die "s3proxy did not start (log: $dir/s3proxy.log)"
# shellcheck disable=SC1091
. "$dir/s3proxy.out"

# The nodes: the same settings but the listening port, the node id and the data directory (which
# holds only the spool of fills in progress).
secret="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
upstream_name="${mirror%%=*}"
upstream_url=""
[ "$mirror" != "$upstream_name" ] && upstream_url="      url: ${mirror#*=}"
backends=""
for i in $(seq 1 "$nodes"); do
  node_port=$((port + i))
  cat >"$dir/node-$i.yaml" <<EOF
listen: 127.0.0.1:$node_port
dataDir: $dir/node-$i
mirror:
  upstreams:
    - name: $upstream_name
$upstream_url
storage:
  metadata: $pg?schema=$schema
  blobs: s3
  s3:
    endpoint: $S3_ENDPOINT
    bucket: hoist
    pathStyle: true
    accessKey: $S3_ACCESS_KEY
    secretKey: $S3_SECRET_KEY
cluster:
  secret: $secret
  nodeId: node-$i
EOF
  "$root/hoist" serve --config "$dir/node-$i.yaml" >"$dir/node-$i.log" 2>&1 &
  pids+=($!)
  backends+="    server 127.0.0.1:$node_port;"$'\n'
  # One at a time: the first creates the schema's tables.
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$node_port/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$node_port/v2/" >/dev/null || die "node $i did not start (log: $dir/node-$i.log)"
  echo "cluster: node-$i on 127.0.0.1:$node_port"
done

mkdir -p "$dir/nginx/tmp"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
cat >"$dir/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $dir/nginx/access.log;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  upstream hoist {
$backends  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 0;
    proxy_http_version 1.1;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_read_timeout 300s;
    proxy_next_upstream error timeout;
    proxy_set_header Host \$http_host;
    proxy_set_header Connection "";
    location / { proxy_pass http://hoist; }
  }
}
EOF
/usr/sbin/nginx -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/v2/" >/dev/null || die "nginx did not start (log: $dir/nginx/error.log)"

cat <<EOF
cluster: $nodes nodes behind http://127.0.0.1:$port (nginx), metadata in $pg schema $schema,
         blobs in s3proxy at $S3_ENDPOINT bucket hoist; logs in $dir. Ctrl-C stops it all.
  try:   skopeo copy --src-tls-verify=false docker://127.0.0.1:$port/library/alpine:latest dir:/tmp/alpine
EOF
wait
