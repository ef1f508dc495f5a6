#!/usr/bin/env python3
"""The benchmark driver behind bench/run.sh: starts the peers, measures, prints one table.

Everything listens on 127.0.0.1 and every loop is bounded in count and time. run.sh prepares the
environment (packages, JDK, the Hoist jar, the images, hload) and passes it in through the
command line; see bench/README.md for what each row means.
"""

import argparse
import atexit
import datetime
import hashlib
import http.client
import json
import urllib.request
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MiB = 1024 * 1024
GB = 1e9
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)
CLK_TCK = os.sysconf("SC_CLK_TCK")
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path, method="GET", timeout=2.0, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# /proc sampling


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2 :].split()  # fields from 3 (state) on


def descendants(pid):
    """pid and every live process below it."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(_stat_fields(d)[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids):
    total = 0
    for p in pids:
        try:
            f = _stat_fields(p)
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total / CLK_TCK


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def wchar(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def page_cost(directory, mib=256):
    """CPU-seconds to write `mib` MiB to a new file, first into whatever pages the kernel hands
    out, then again right after deleting it, into the pages just freed. On a virtual machine whose
    host backs guest memory on first write and takes freed memory back (virtio-balloon free page
    reporting), the first costs several times the second: a mirror's stored files pay it, a
    deleted client output does not (bench/README.md, "Memory")."""
    import resource

    chunk = os.urandom(MiB)
    costs = []
    for i in range(2):
        path = os.path.join(directory, f"page-cost-{i}")
        t = resource.getrusage(resource.RUSAGE_SELF)
        with open(path, "wb") as f:
            for _ in range(mib):
                f.write(chunk)
        u = resource.getrusage(resource.RUSAGE_SELF)
        os.unlink(path)
        costs.append(u.ru_stime + u.ru_utime - t.ru_stime - t.ru_utime)
    return costs


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v), idle


# ---------------------------------------------------------------------------------------------
# processes

LIVE = []


class Server:
    def __init__(self, name, cmd, port, workdir, ready_path="/v2/", env=None):
        self.name, self.cmd, self.port, self.ready_path = name, cmd, port, ready_path
        self.logfile = os.path.join(workdir, f"{name}.log")
        self.env = env
        self.proc = None
        self.hwm_kb = None
        self.started_at = None

    def start(self):
        self.logf = open(self.logfile, "ab")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=self.logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=self.env,
        )
        LIVE.append(self)
        return self

    def wait_ready(self, timeout=90, interval=0.005):
        """Seconds from start() to the first 200 on the ready path."""
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.logfile}")
            try:
                if http_status(self.port, self.ready_path, timeout=1) == 200:
                    return time.monotonic() - self.started_at
            except OSError:
                pass
            time.sleep(interval)
        raise RuntimeError(f"{self.name} not ready after {timeout}s; see {self.logfile}")

    @property
    def pid(self):
        return self.proc.pid

    def pids(self):
        return descendants(self.proc.pid)

    def cpu(self):
        return cpu_seconds(self.pids())

    def hwm(self):
        return status_kb(self.proc.pid, "VmHWM")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.hwm_kb = self.hwm()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.logf.close()
        if self in LIVE:
            LIVE.remove(self)


def stop_all():
    for s in list(LIVE):
        try:
            s.stop()
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            print(f"stopping {s.name}: {e}", file=sys.stderr)


def registry_config(path, root, port, proxy=None, accesslog=True):
    lines = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        f"    disabled: {'false' if accesslog else 'true'}",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {root}",
        "  cache:",
        "    blobdescriptor: inmemory",
        "  delete:",
        "    enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        "  secret: hoist-bench",
    ]
    if proxy:
        lines += ["proxy:", f"  remoteurl: {proxy}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# the upstream's access log

ACCESS = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) (\d+|-)')


class Upstream:
    """The seeded Distribution every mirror fetches from; counts the bytes it served."""

    def __init__(self, server):
        self.server = server
        self.n = 0

    def settle(self, quiet=0.5, limit=20.0):
        """Waits until the upstream has written nothing to any socket or file for `quiet` seconds
        (a mirror may still be fetching after its client is done), at most `limit` seconds."""
        end = time.monotonic() + limit
        last, since = wchar(self.server.pid), time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.1)
            w = wchar(self.server.pid)
            if w != last:
                last, since = w, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def barrier(self):
        """Returns the log size once every request answered so far is in it."""
        self.n += 1
        tag = f"hoist-bench-barrier={self.n}"
        http_status(self.server.port, f"/v2/?{tag}")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            with open(self.server.logfile, "rb") as f:
                data = f.read()
            i = data.find(tag.encode())
            if i >= 0:
                return data.index(b"\n", i) + 1 if b"\n" in data[i:] else len(data)
            time.sleep(0.02)
        raise RuntimeError("upstream access log barrier not seen")

    def mark(self):
        return self.barrier()

    def bytes_since(self, offset, settle=True):
        if settle:
            self.settle()
        end = self.barrier()
        with open(self.server.logfile, "rb") as f:
            f.seek(offset)
            data = f.read(end - offset).decode("utf-8", "replace")
        total = 0
        for m in ACCESS.finditer(data):
            method, path, status, size = m.group(1), m.group(2), int(m.group(3)), m.group(4)
            # HEAD lines carry the length the body would have had; no body was sent.
            if method == "GET" and 200 <= status < 300 and size != "-" and "/v2/" in path:
                if "/blobs/" in path or "/manifests/" in path:
                    total += int(size)
        return total


# ---------------------------------------------------------------------------------------------
# clients


def skopeo_pull(port, image, dest, timeout=300):
    cmd = [
        "skopeo", "copy", "-q", "--src-tls-verify=false",
        f"docker://127.0.0.1:{port}/bench/{image}:1", f"oci:{dest}:1",
    ]
    t = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    dt = time.monotonic() - t
    shutil.rmtree(dest, ignore_errors=True)
    if r.returncode != 0:
        raise RuntimeError(f"skopeo pull via :{port} failed: {r.stderr.decode()[-400:]}")
    return dt


def concurrent(cmds, timeout):
    """Starts every command at once; returns (wall seconds, failures, list of stdout)."""
    t = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in cmds]
    outs, failures = [], 0
    for p in procs:
        left = max(1, timeout - (time.monotonic() - t))
        try:
            out, err = p.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            failures += 1
            outs.append(b"timeout")
            continue
        if p.returncode != 0:
            failures += 1
            log(f"  a client failed: {err.decode()[-300:]}")
        outs.append(out)
    return time.monotonic() - t, failures, outs


def parse_wrk(text):
    def ms(v, unit):
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", text)
    reqs = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = sum(int(x) for x in sock.groups()) if sock else 0
    return {
        "rps": rps,
        "p99_ms": ms(*p99.groups()) if p99 else None,
        "requests": reqs,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors,
    }


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------------------------
# the benchmark


class Bench:
    def __init__(self, a):
        self.a = a
        self.meta = json.load(open(os.path.join(a.images, "images.json")))["images"]
        self.work = a.workdir
        self.run = os.path.join(self.work, "run")
        shutil.rmtree(self.run, ignore_errors=True)
        os.makedirs(self.run)
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.out = tempfile.mkdtemp(prefix="hoist-bench-", dir=shm)
        atexit.register(shutil.rmtree, self.out, True)
        self.samples = {}
        self.notes = []
        self.hwm = {"hoist": [], "dist": []}
        self.hwm_phase = {}
        self.deadline = T0 + a.max_minutes * 60
        t = os.times()
        self.cpu0 = t.user + t.system + t.children_user + t.children_system
        self.n_instance = 0

    # -- helpers --------------------------------------------------------------------------
    def add(self, key, value):
        self.samples.setdefault(key, []).append(value)

    def dest(self):
        self.n_instance += 1
        return os.path.join(self.out, f"d{self.n_instance}")

    def time_left(self, phase):
        if time.monotonic() > self.deadline:
            self.notes.append(f"{phase}: skipped, the run hit its --max-minutes limit")
            log(f"skipping {phase}: time limit")
            return False
        return True

    # The JVM options ./hoist gives `serve` and the other commands (see the launcher): "default
    # settings" are what a user gets from the README's command.
    SERVE_DEFAULTS = ["-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
                      "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=128m"]
    COMMAND_DEFAULTS = ["-XX:+UseSerialGC"]

    def java_cmd(self, command, extra=()):
        return [
            self.a.java,
            "-XX:+AutoCreateSharedArchive",
            f"-XX:SharedArchiveFile={self.work}/hoist-{command}.jsa",
            "-Xlog:cds=off",
            "--enable-native-access=ALL-UNNAMED",
            *(self.SERVE_DEFAULTS if command == "serve" else self.COMMAND_DEFAULTS),
            *extra,
            "-jar",
            self.a.jar,
            command,
        ]

    def start_hoist(self, tag, extra=(), data_dir=None, config=None):
        port = free_port()
        data = data_dir or os.path.join(self.run, f"hoist-{tag}")
        cmd = self.java_cmd("serve", extra) + [
            "--listen", f"127.0.0.1:{port}", "--data-dir", data,
            "--mirror", f"docker.io=http://127.0.0.1:{self.up.server.port}",
        ]
        if config:
            cmd += ["--config", config]
        s = Server(f"hoist-{tag}", cmd, port, self.run).start()
        s.data = data
        s.startup = s.wait_ready()
        return s

    def start_dist(self, tag, proxy=None, root=None, accesslog=False):
        port = free_port()
        root = root or os.path.join(self.run, f"dist-{tag}")
        cfg = os.path.join(self.run, f"dist-{tag}.yml")
        registry_config(cfg, root, port, proxy=proxy, accesslog=accesslog)
        s = Server(f"dist-{tag}", [self.a.registry, "serve", cfg], port, self.run).start()
        s.data = root
        s.startup = s.wait_ready()
        return s

    def stop(self, s, kind=None, phase=None):
        s.stop()
        if kind and s.hwm_kb:
            self.hwm[kind].append(s.hwm_kb)
            self.hwm_phase.setdefault(f"{kind} {phase or s.name}", []).append(s.hwm_kb)
        if getattr(s, "data", None) and s.data.startswith(self.run):
            shutil.rmtree(s.data, ignore_errors=True)

    def mirrors(self, tag, hoist_extra=()):
        h = self.start_hoist(tag, extra=hoist_extra)
        d = self.start_dist(tag, proxy=f"http://127.0.0.1:{self.up.server.port}")
        return {"hoist": h, "dist": d}

    def warm_up(self, m):
        """A fresh process is cold twice over: empty cache and unwarmed code (JIT, connection
        pools). Pulling the unrelated tiny image first leaves only the cache cold."""
        for s in m.values():
            skopeo_pull(s.port, "tiny", self.dest())

    # -- setup ----------------------------------------------------------------------------
    def setup(self):
        log("starting the upstream Distribution and seeding it with skopeo")
        up = self.start_dist("upstream", accesslog=True)
        self.up = Upstream(up)
        for name, img in self.meta.items():
            cmd = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]
            if img["mediaType"].endswith("index.v1+json"):
                cmd.append("--all")
            cmd += [f"oci:{img['layout']}:1", f"docker://127.0.0.1:{up.port}/bench/{name}:1"]
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        self.prime_cds()
        # Distribution serving its own content: the same storage, read only, no access log.
        self.local = self.start_dist("local", root=os.path.join(self.run, "dist-upstream"))
        self.local.data = None  # shared with the upstream; not ours to delete
        # nginx: the physical reference for serving a file.
        self.nginx = self.start_nginx("nginx", lambda ngx, port: f"""
  keepalive_requests 100000;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {self.a.images};
    location = /v2/ {{ return 200 '{{}}'; }}
  }}""")
        self.nginx.data = None

    def start_nginx_cache(self, tag):
        """nginx as a pull-through cache of the upstream (proxy_cache): C, sendfile, each miss
        streamed to its client while it is written to the cache, no digest checked. Its cold pull
        is what a lean storing mirror reaches on this machine (row a's note)."""
        return self.start_nginx(f"nginx-cache-{tag}", lambda ngx, port: f"""
  proxy_cache_path {ngx}/cache levels=1:2 keys_zone=mirror:10m max_size=20g inactive=1h use_temp_path=off;
  server {{
    listen 127.0.0.1:{port};
    location /v2/ {{
      proxy_pass http://127.0.0.1:{self.up.server.port};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache mirror;
      proxy_cache_key $request_method$request_uri$http_accept;
      proxy_cache_valid 200 1h;
      proxy_cache_lock on;
      proxy_buffering on;
    }}
  }}""")

    def start_nginx(self, name, http_body):
        """Starts an nginx in run/<name> whose http block ends with http_body(dir, port); waits
        until /v2/ answers 200."""
        port = free_port()
        ngx = os.path.join(self.run, name)
        os.makedirs(os.path.join(ngx, "tmp"))
        user = "user root root;\n" if os.geteuid() == 0 else ""
        conf = f"""{user}daemon off;
master_process on;
worker_processes auto;
pid {ngx}/nginx.pid;
error_log {ngx}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {ngx}/tmp/body;
  proxy_temp_path {ngx}/tmp/proxy;
  fastcgi_temp_path {ngx}/tmp/fastcgi;
  uwsgi_temp_path {ngx}/tmp/uwsgi;
  scgi_temp_path {ngx}/tmp/scgi;{http_body(ngx, port)}
}}
"""
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(conf)
        s = Server(
            name, [self.a.nginx, "-p", ngx, "-e", f"{ngx}/error.log", "-c", f"{ngx}/nginx.conf"],
            port, self.run,
        ).start()
        s.startup = s.wait_ready()
        s.data = ngx
        return s

    def prime_cds(self):
        """./hoist's class-data-sharing archive is written when the first run of a command exits,
        and that run is slower (and has JFR disabled). Do that run now, untimed, when needed."""
        if os.path.exists(os.path.join(self.work, "hoist-serve.jsa")):
            return
        log("writing Hoist's CDS archive for 'serve' (one untimed run)")
        s = self.start_hoist("cds")
        skopeo_pull(s.port, "tiny", self.dest())
        self.stop(s)

    # -- a, b -----------------------------------------------------------------------------
    def pulls(self, reps):
        keep = None
        for r in range(reps):
            if not self.time_left("a/b"):
                break
            log(f"a/b: cold and warm pulls, repetition {r + 1}/{reps}")
            jfr = ()
            if self.a.profile and r == reps - 1:
                jfr = (f"-XX:StartFlightRecording=settings=profile,filename={self.work}/hoist-profile.jfr",)
            m = self.mirrors(f"ab{r}", hoist_extra=jfr)
            m["ngx"] = self.start_nginx_cache(f"ab{r}")
            self.warm_up(m)
            order = ["direct", "hoist", "dist", "ngx"]
            order = order[r % 4 :] + order[: r % 4]
            for image in ("medium", "big"):
                size = self.meta[image]["pullBytes"]
                for t in order:
                    port = self.up.server.port if t == "direct" else m[t].port
                    mark = self.up.mark()
                    cpu0 = self.cold_cpu(m.get(t))
                    ok = self.timed_pull(f"cold.{image}.{t}", port, image)
                    up = self.up.bytes_since(mark, settle=(t != "direct"))
                    self.add(f"coldbytes.{image}.{t}", up / size if ok else None)
                    cpu = [b - a for a, b in zip(cpu0, self.cold_cpu(m.get(t)))]
                    for k, v in zip(("client", "upstream", "server"), cpu):
                        self.add(f"coldcpu.{k}.{image}.{t}", v if ok else None)
                for t in order:
                    port = self.up.server.port if t == "direct" else m[t].port
                    self.timed_pull(f"warm.{image}.{t}", port, image)
            self.stop(m.pop("ngx"))
            if r < reps - 1:
                for k, s in m.items():
                    self.stop(s, k, "a/b")
            else:
                keep = m
        return keep

    def cold_cpu(self, server):
        """CPU-seconds so far of the clients this process waited for, of the upstream and of the
        server (0 without one); a cold pull's cost is the difference around it."""
        import resource

        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (c.ru_utime + c.ru_stime, self.up.server.cpu(), server.cpu() if server else 0.0)

    def timed_pull(self, key, port, image):
        """Records the time of one skopeo pull, or None and a note when it fails."""
        try:
            self.add(key, skopeo_pull(port, image, self.dest()))
            return True
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            self.add(key, None)
            self.notes.append(f"{key}: {str(e)[:200]}")
            log(f"  {key} failed: {e}")
            return False

    # -- c --------------------------------------------------------------------------------
    def concurrent_cold(self, reps, n):
        size = self.meta["big"]["pullBytes"]
        for r in range(reps):
            if not self.time_left("c"):
                break
            log(f"c: {n} concurrent cold pulls of big, repetition {r + 1}/{reps}")
            m = self.mirrors(f"c{r}")
            m["ngx"] = self.start_nginx_cache(f"c{r}")
            self.warm_up(m)
            order = ["direct", "hoist", "dist", "ngx"]
            order = order[r % 4 :] + order[: r % 4]
            for t in order:
                port = self.up.server.port if t == "direct" else m[t].port
                cmds = [
                    ["skopeo", "copy", "-q", "--src-tls-verify=false",
                     f"docker://127.0.0.1:{port}/bench/big:1", f"oci:{self.dest()}:1"]
                    for _ in range(n)
                ]
                mark = self.up.mark()
                wall, failures, _ = concurrent(cmds, timeout=300)
                up = self.up.bytes_since(mark, settle=(t != "direct"))
                for c in cmds:
                    shutil.rmtree(c[-1][4:-2], ignore_errors=True)
                self.add(f"conc.wall.{t}", wall if not failures else None)
                self.add(f"conc.bytes.{t}", up / size)
                if failures:
                    self.notes.append(f"c: {failures}/{n} concurrent pulls through {t} failed (rep {r + 1})")
                log(f"   {t}: {wall:.2f}s, upstream {up / size:.2f}x image, {failures} failed")
            self.stop(m.pop("ngx"))
            for k, s in m.items():
                self.stop(s, k, "c")

    # -- d --------------------------------------------------------------------------------
    def blob_throughput(self, m, reps, streams):
        big = self.meta["big"]["children"][0]["layers"][0]
        digest, size = big["digest"], big["size"]
        targets = {
            "hoist": (m["hoist"], f"/v2/bench/big/blobs/{digest}"),
            "dist": (m["dist"], f"/v2/bench/big/blobs/{digest}"),
            "nginx": (self.nginx, "/big/blobs/sha256/" + digest.split(":")[1]),
        }
        for r in range(reps):
            if not self.time_left("d"):
                break
            log(f"d: {streams} concurrent GETs of the {size / MiB:.0f} MiB blob, repetition {r + 1}/{reps}")
            order = list(targets)
            order = order[r % 3 :] + order[: r % 3]
            for t in order:
                s, path = targets[t]
                cmd = ["curl", "-s", "-o", "/dev/null", "--max-time", "120",
                       "-w", "%{http_code} %{size_download}", f"http://127.0.0.1:{s.port}{path}"]
                pids = s.pids()
                c0 = cpu_seconds(pids)
                wall, failures, outs = concurrent([cmd] * streams, timeout=150)
                c1 = cpu_seconds(pids)
                got = sum(int(o.split()[1]) for o in outs if o and o.split()[0] == b"200")
                if got != size * streams:
                    self.notes.append(f"d: {t} served {got} of {size * streams} bytes (rep {r + 1})")
                self.add(f"blob.mbps.{t}", got / MiB / wall if got else None)
                self.add(f"blob.cpu_per_gb.{t}", (c1 - c0) / (got / GB) if got else None)

    def verify_on_read(self, reps, streams):
        """Row d': what storage.verifyOnRead costs: the same warm blob GETs as row d, from a Hoist
        that hashes every byte it sends (no zero-copy), against one that does not, in one run."""
        if not self.time_left("d'"):
            return
        big = self.meta["big"]["children"][0]["layers"][0]
        digest, size = big["digest"], big["size"]
        cfg = os.path.join(self.run, "hoist-verify.yaml")
        with open(cfg, "w") as f:
            f.write("storage:\n  verifyOnRead: true\n")
        servers = {"plain": self.start_hoist("plain"), "verify": self.start_hoist("verify", config=cfg)}
        try:
            for s in servers.values():
                skopeo_pull(s.port, "big", self.dest())  # cached once
            for r in range(reps):
                if not self.time_left("d'"):
                    break
                log(f"d': {streams} concurrent GETs of the {size / MiB:.0f} MiB blob, verifyOnRead on and off,"
                    f" repetition {r + 1}/{reps}")
                order = ["plain", "verify"] if r % 2 == 0 else ["verify", "plain"]
                for t in order:
                    s = servers[t]
                    cmd = ["curl", "-s", "-o", "/dev/null", "--max-time", "120", "-w",
                           "%{http_code} %{size_download}",
                           f"http://127.0.0.1:{s.port}/v2/bench/big/blobs/{digest}"]
                    pids = s.pids()
                    c0 = cpu_seconds(pids)
                    wall, failures, outs = concurrent([cmd] * streams, timeout=150)
                    c1 = cpu_seconds(pids)
                    got = sum(int(o.split()[1]) for o in outs if o and o.split()[0] == b"200")
                    if got != size * streams:
                        self.notes.append(f"d': {t} served {got} of {size * streams} bytes (rep {r + 1})")
                    self.add(f"verify.mbps.{t}", got / MiB / wall if got else None)
                    self.add(f"verify.cpu_per_gb.{t}", (c1 - c0) / (got / GB) if got else None)
        finally:
            for s in servers.values():
                self.stop(s, "hoist", "d'")

    # -- e --------------------------------------------------------------------------------
    def manifests(self, m, reps, seconds):
        targets = {"hoist": m["hoist"], "dist": m["dist"], "local": self.local}
        lua = os.path.join(self.run, "get.lua")
        with open(lua, "w") as f:
            f.write(f'wrk.method = "GET"\nwrk.headers["Accept"] = "{ACCEPT}"\n')
        path = "/v2/bench/medium/manifests/1"
        # A warm-up each (JIT, connection pools, caches), of both methods and long enough for C2:
        # with 1 s of GET only, a --quick run measured Hoist at 3-4x its warm CPU per request.
        for t, s in targets.items():
            for method in ("GET", "HEAD"):
                subprocess.run([self.a.hload, "-c", "16", "-t", "2", "-d", "3", "-m", method,
                                "-H", f"Accept: {ACCEPT}", f"http://127.0.0.1:{s.port}{path}"],
                               capture_output=True, timeout=30)
        for r in range(reps):
            if not self.time_left("e"):
                break
            log(f"e: manifest HEAD and GET by tag, 16 connections, {seconds}s each, repetition {r + 1}/{reps}")
            order = list(targets)
            order = order[r % 3 :] + order[: r % 3]
            for t in order:
                s = targets[t]
                url = f"http://127.0.0.1:{s.port}{path}"
                for method in ("HEAD", "GET"):
                    pids = s.pids()
                    c0 = cpu_seconds(pids)
                    if method == "HEAD":
                        # wrk 4.1 cannot do HEAD (it waits for the announced body): hload.
                        out = subprocess.run(
                            [self.a.hload, "-c", "16", "-t", "2", "-d", str(seconds), "-m", "HEAD",
                             "-H", f"Accept: {ACCEPT}", url],
                            capture_output=True, timeout=seconds + 30, check=True,
                        ).stdout
                        res = json.loads(out)
                    else:
                        out = subprocess.run(
                            ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", lua, url],
                            capture_output=True, timeout=seconds + 30, check=True,
                        ).stdout.decode()
                        res = parse_wrk(out)
                    c1 = cpu_seconds(pids)
                    bad = res["non2xx"] + res["errors"]
                    if bad:
                        self.notes.append(f"e: {t} {method}: {bad} errors or non-2xx answers (rep {r + 1})")
                    self.add(f"man.{method}.rps.{t}", res["rps"])
                    self.add(f"man.{method}.p99.{t}", res["p99_ms"])
                    self.add(f"man.{method}.cpu_us.{t}",
                             (c1 - c0) / res["requests"] * 1e6 if res["requests"] else None)

    # -- j: shared stores and the cluster ----------------------------------------------------
    def start_s3proxy(self):
        """s3proxy (the test kit's S3Server, filesystem backend) in its own JVM; returns
        (process, endpoint, access key, secret key)."""
        d = os.path.join(self.run, "s3")
        os.makedirs(d, exist_ok=True)
        out = open(os.path.join(self.run, "s3proxy.out"), "w+b")
        proc = subprocess.Popen(
            [self.a.java, "-Xmx512m", "-cp", self.a.s3proxy_cp, "dev.hoist.testkit.S3Server", d, "bench"],
            stdout=out, stderr=open(os.path.join(self.run, "s3proxy.log"), "wb"),
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        vals = {}
        while time.monotonic() < deadline and "S3_SECRET_KEY" not in vals:
            if proc.poll() is not None:
                raise RuntimeError("s3proxy exited; see run/s3proxy.log")
            out.seek(0)
            for line in out.read().decode().splitlines():
                if "=" in line:
                    k, v = line.split("=", 1)
                    vals[k] = v
            time.sleep(0.1)
        if "S3_SECRET_KEY" not in vals:
            raise RuntimeError("s3proxy did not start in 60 s")
        return proc, vals["S3_ENDPOINT"], vals["S3_ACCESS_KEY"], vals["S3_SECRET_KEY"]

    def psql(self, sql):
        subprocess.run(["psql", self.a.postgres, "-qc", sql], check=True, capture_output=True, timeout=60)

    def shared_config(self, name, schema, prefix, secret=None, node=None, redirect=False):
        cfg = os.path.join(self.run, f"{name}.yaml")
        lines = [
            "storage:",
            f"  metadata: {self.a.postgres}?schema={schema}",
            "  metadataPool: 8",
            "  blobs: s3",
            "  s3:",
            f"    endpoint: {self.s3[1]}",
            "    bucket: bench",
            f"    prefix: {prefix}/",
            "    pathStyle: true",
            f"    accessKey: {self.s3[2]}",
            f"    secretKey: {self.s3[3]}",
            f"    redirect: {'true' if redirect else 'false'}",
        ]
        if secret:
            lines += ["cluster:", f"  secret: {secret}", f"  nodeId: {node}", "  leaseTtl: 5s"]
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        return cfg

    def cluster(self, reps, n):
        """Row j: Hoist on PostgreSQL and S3 (s3proxy), one node and a cluster of three: 16 cold
        pulls of big spread over the three nodes against the same on one node; warm blob GETs from
        S3 with and without redirect; manifest GETs with the metadata in PostgreSQL."""
        if not self.time_left("j"):
            return
        if not self.a.s3proxy_cp or not self.a.postgres:
            self.notes.append("j: skipped: no s3proxy classpath or PostgreSQL URL (run.sh gives both)")
            return
        try:
            self.psql("SELECT 1")
        except (subprocess.CalledProcessError, OSError) as e:
            self.notes.append(f"j: skipped: PostgreSQL at {self.a.postgres} unreachable ({e})")
            return
        self.s3 = self.start_s3proxy()
        schemas = []
        try:
            size = self.meta["big"]["pullBytes"]
            for r in range(reps):
                if not self.time_left("j"):
                    break
                log(f"j: {n} cold pulls of big over 3 nodes and over 1 node (PostgreSQL + S3), rep {r + 1}/{reps}")
                secret = f"bench-cluster-secret-{os.getpid()}-{r}"
                order = ["one", "three"] if r % 2 == 0 else ["three", "one"]
                for t in order:
                    schema = f"bench_{os.getpid()}_{r}_{t}"
                    schemas.append(schema)
                    self.psql(f"CREATE SCHEMA {schema}")
                    count = 1 if t == "one" else 3
                    nodes = []
                    for i in range(count):
                        cfg = self.shared_config(f"j{r}-{t}-{i}", schema, f"{schema}",
                                                 secret=secret if count > 1 else None, node=f"n{i}")
                        nodes.append(self.start_hoist(f"j{r}-{t}-{i}", config=cfg))
                    for s in nodes:  # warm code, cold cache
                        skopeo_pull(s.port, "tiny", self.dest())
                    cmds = [
                        ["skopeo", "copy", "-q", "--src-tls-verify=false",
                         f"docker://127.0.0.1:{nodes[i % count].port}/bench/big:1", f"oci:{self.dest()}:1"]
                        for i in range(n)
                    ]
                    pids = [p for s in nodes for p in s.pids()]
                    c0 = cpu_seconds(pids)
                    mark = self.up.mark()
                    wall, failures, _ = concurrent(cmds, timeout=300)
                    up = self.up.bytes_since(mark)
                    c1 = cpu_seconds(pids)
                    for c in cmds:
                        shutil.rmtree(c[-1][4:-2], ignore_errors=True)
                    self.add(f"cluster.wall.{t}", wall if not failures else None)
                    self.add(f"cluster.bytes.{t}", up / size)
                    self.add(f"cluster.cpu_per_gb.{t}", (c1 - c0) / (n * size / GB) / count)
                    if failures:
                        self.notes.append(f"j: {failures}/{n} pulls through {t} node(s) failed (rep {r + 1})")
                    log(f"   {t}: {wall:.2f}s, upstream {up / size:.2f}x image, {failures} failed")
                    if t == "one" and r == 0:
                        self.s3_rows(nodes[0], schema)
                    for s in nodes:
                        self.stop(s, "hoist", "j")
        finally:
            os.killpg(self.s3[0].pid, signal.SIGTERM)
            try:
                self.s3[0].wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.s3[0].pid, signal.SIGKILL)
            for schema in schemas:
                try:
                    self.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                except subprocess.CalledProcessError:
                    pass

    def s3_rows(self, node, schema):
        """Warm blob GETs of the big layer from S3 through a node without redirect and one with
        (curl follows the 307 to s3proxy), and manifest GETs with the metadata in PostgreSQL,
        against Distribution serving its own storage."""
        big = self.meta["big"]["children"][0]["layers"][0]
        digest, size = big["digest"], big["size"]
        redirect = self.start_hoist("j-redirect", config=self.shared_config(
            "j-redirect", schema, schema, redirect=True))
        try:
            for t, s in (("plain", node), ("redirect", redirect)):
                cmd = ["curl", "-s", "-L", "-o", "/dev/null", "--max-time", "120", "-w",
                       "%{http_code} %{size_download}", f"http://127.0.0.1:{s.port}/v2/bench/big/blobs/{digest}"]
                concurrent([cmd], timeout=150)  # warm
                pids = s.pids()
                c0 = cpu_seconds(pids)
                wall, failures, outs = concurrent([cmd] * self.a.streams, timeout=150)
                c1 = cpu_seconds(pids)
                got = sum(int(o.split()[1]) for o in outs if o and o.split()[0] == b"200")
                if got != size * self.a.streams:
                    self.notes.append(f"j: S3 {t} served {got} of {size * self.a.streams} bytes")
                self.add(f"s3.mbps.{t}", got / MiB / wall if got else None)
                self.add(f"s3.cpu_per_gb.{t}", (c1 - c0) / (got / GB) if got else None)
            # nginx's CPU per GB for the same blob, in this phase.
            cmd = ["curl", "-s", "-o", "/dev/null", "--max-time", "120", "-w", "%{http_code} %{size_download}",
                   f"http://127.0.0.1:{self.nginx.port}/big/blobs/sha256/" + digest.split(":")[1]]
            pids = self.nginx.pids()
            c0 = cpu_seconds(pids)
            wall, failures, outs = concurrent([cmd] * self.a.streams, timeout=150)
            c1 = cpu_seconds(pids)
            got = sum(int(o.split()[1]) for o in outs if o and o.split()[0] == b"200")
            self.add("s3.cpu_per_gb.nginx", (c1 - c0) / (got / GB) if got else None)
            skopeo_pull(node.port, "medium", self.dest())
            path = "/v2/bench/medium/manifests/1"
            lua = os.path.join(self.run, "get.lua")
            with open(lua, "w") as f:
                f.write(f'wrk.method = "GET"\nwrk.headers["Accept"] = "{ACCEPT}"\n')
            for t, s in (("pg", node), ("local", self.local)):
                url = f"http://127.0.0.1:{s.port}{path}"
                subprocess.run(["wrk", "-t2", "-c16", "-d1s", "-s", lua, url], capture_output=True, timeout=60)
                out = subprocess.run(["wrk", "-t2", "-c16", f"-d{self.a.manifest_seconds}s", "--latency", "-s", lua, url],
                                     capture_output=True, timeout=self.a.manifest_seconds + 30, check=True).stdout.decode()
                res = parse_wrk(out)
                if res["non2xx"] + res["errors"]:
                    self.notes.append(f"j: manifest GET {t}: {res['non2xx'] + res['errors']} errors or non-2xx")
                self.add(f"pgman.rps.{t}", res["rps"])
        finally:
            self.stop(redirect, "hoist", "j")

    # -- huge -----------------------------------------------------------------------------
    def huge_blob(self):
        if not self.time_left("huge"):
            return
        size = self.a.huge_mib * MiB
        path = os.path.join(self.a.images, f"huge-{self.a.huge_mib}.bin")
        meta = path + ".json"
        if not (os.path.exists(meta) and os.path.getsize(path) == size):
            log(f"f: writing a {self.a.huge_mib} MiB random blob (once; kept with the images)")
            rng, h = random.Random(f"{self.a.seed}/huge"), hashlib.sha256()
            with open(path, "wb") as f:
                left = size
                while left:
                    b = rng.randbytes(min(8 * MiB, left))
                    h.update(b)
                    f.write(b)
                    left -= len(b)
            with open(meta, "w") as f:
                json.dump({"digest": "sha256:" + h.hexdigest()}, f)
        digest = json.load(open(meta))["digest"]
        log(f"f: uploading the {self.a.huge_mib} MiB blob to the upstream")
        conn = http.client.HTTPConnection("127.0.0.1", self.up.server.port, timeout=60)
        conn.request("POST", "/v2/bench/huge/blobs/uploads/")
        r = conn.getresponse()
        r.read()
        loc = r.getheader("Location")
        conn.close()
        sep = "&" if "?" in loc else "?"
        up = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", path,
             "-H", "Content-Type: application/octet-stream",
             (loc if loc.startswith("http") else f"http://127.0.0.1:{self.up.server.port}{loc}")
             + f"{sep}digest={digest}"],
            capture_output=True, timeout=300,
        )
        if up.stdout != b"201":
            self.notes.append(f"f: uploading the huge blob failed ({up.stdout!r})")
            return
        log(f"f: GET of the {self.a.huge_mib} MiB blob through Hoist with -Xmx128m")
        s = self.start_hoist("huge", extra=["-Xmx128m"])
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.wait(0.2):
                peak[0] = max(peak[0], status_kb(s.pid, "VmRSS") or 0)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        t = time.monotonic()
        ok, got = False, 0
        try:
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
            conn.request("GET", f"/v2/bench/huge/blobs/{digest}")
            r = conn.getresponse()
            h = hashlib.sha256()
            while True:
                b = r.read(MiB)
                if not b:
                    break
                got += len(b)
                h.update(b)
            ok = r.status == 200 and got == size and "sha256:" + h.hexdigest() == digest
            conn.close()
        except (OSError, http.client.HTTPException) as e:
            self.notes.append(f"f: huge blob GET failed: {e}")
        dt = time.monotonic() - t
        stop.set()
        th.join()
        alive = s.proc.poll() is None
        self.stop(s)
        self.huge = {"ok": ok and alive, "seconds": dt, "bytes": got, "hwm_mb": (s.hwm_kb or 0) / 1024,
                     "peak_rss_mb": peak[0] / 1024}
        log(f"   {'ok' if ok else 'FAILED'}: {got / MiB:.0f} MiB in {dt:.1f}s, VmHWM {self.huge['hwm_mb']:.0f} MB")

    # -- g --------------------------------------------------------------------------------
    def hoist_pull(self, reps):
        if not self.time_left("g"):
            return
        # Without class-data sharing: an archive is written by the first run of a command and
        # never rewritten, so one made by `pull --help` would serve every timed pull (it did until
        # 2026-11-30: a timed pull took 2.6 s instead of 2.25 s). ./hoist writes none for --help.
        probe = subprocess.run([self.a.java, "-jar", self.a.jar, "pull", "--help"], capture_output=True,
                               timeout=60)
        if probe.returncode != 0:
            self.notes.append("g: hoist pull not built in this jar")
            self.pull_available = False
            return
        self.pull_available = True
        port = self.up.server.port

        def hoist(image):
            root = self.dest()
            t = time.monotonic()
            r = subprocess.run(self.java_cmd("pull") + ["--root", root, f"127.0.0.1:{port}/bench/{image}:1"],
                               capture_output=True, timeout=300)
            dt = time.monotonic() - t
            shutil.rmtree(root, ignore_errors=True)
            if r.returncode != 0:
                raise RuntimeError(f"hoist pull failed: {r.stderr.decode()[-400:]}")
            return dt

        hoist("tiny")  # the CDS archive for 'pull' (as ./hoist keeps it)
        hoist("tiny")
        for r in range(reps):
            log(f"g: hoist pull vs skopeo copy of big, repetition {r + 1}/{reps}")
            pair = [("hoist", lambda: hoist("big")), ("skopeo", lambda: skopeo_pull(port, "big", self.dest()))]
            if r % 2:
                pair.reverse()
            for k, fn in pair:
                try:
                    self.add(f"pull.{k}", fn())
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    self.notes.append(f"g: {k}: {e}")
                    self.add(f"pull.{k}", None)

    # -- i --------------------------------------------------------------------------------
    def push_fillers(self, count, mib):
        """Pushes `count` images of one random `mib` MiB layer to the upstream (bench/filler<n>:1),
        straight through the registry API: distinct content for the cache to evict."""
        port = self.up.server.port
        for n in range(count):
            layer = os.urandom(mib * 1024 * 1024)
            config = json.dumps({"architecture": "amd64", "os": "linux", "filler": n}).encode()
            for blob in (layer, config):
                digest = "sha256:" + hashlib.sha256(blob).hexdigest()
                req = urllib.request.Request(f"http://127.0.0.1:{port}/v2/bench/filler{n}/blobs/uploads/",
                                             method="POST", data=b"")
                with urllib.request.urlopen(req, timeout=60) as r:
                    location = r.headers["Location"]
                if location.startswith("/"):
                    location = f"http://127.0.0.1:{port}{location}"
                sep = "&" if "?" in location else "?"
                req = urllib.request.Request(f"{location}{sep}digest={digest}", method="PUT", data=blob,
                                             headers={"Content-Type": "application/octet-stream"})
                urllib.request.urlopen(req, timeout=120).close()
            manifest = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": "sha256:" + hashlib.sha256(layer).hexdigest(), "size": len(layer)}],
            }).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v2/bench/filler{n}/manifests/1",
                                         method="PUT", data=manifest,
                                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            urllib.request.urlopen(req, timeout=60).close()

    def eviction(self, reps, fillers=4, filler_mib=256):
        """Row i: warm pulls of big while an eviction round deletes fillers x filler_mib of idle
        images, against the same warm pulls just before, on one Hoist. Images idle for 3 s are
        evicted; rounds run only when asked (POST /api/v1/admin/evict), so each round starts with
        its pull."""
        if not self.time_left("i"):
            return
        log(f"i: warm pulls of big while eviction deletes {fillers * filler_mib} MiB, {reps} repetitions")
        self.push_fillers(fillers, filler_mib)
        cfg = os.path.join(self.run, "hoist-evict.yaml")
        with open(cfg, "w") as f:
            f.write("mirror:\n  cache:\n    maxIdle: 3s\n    checkInterval: 1h\n    minFreeDisk: 0\n")
        s = self.start_hoist("evict", config=cfg)
        try:
            skopeo_pull(s.port, "big", self.dest())  # cold, once
            for r in range(reps):
                if not self.time_left("i"):
                    break
                for n in range(fillers):
                    skopeo_pull(s.port, f"filler{n}", self.dest())
                time.sleep(3.5)  # the fillers are idle now
                self.timed_pull("evict.base", s.port, "big")  # also marks big as just pulled
                result = {}

                def evict():
                    req = urllib.request.Request(f"http://127.0.0.1:{s.port}/api/v1/admin/evict",
                                                 method="POST", data=b"")
                    with urllib.request.urlopen(req, timeout=120) as resp:
                        result.update(json.load(resp))

                t = threading.Thread(target=evict)
                t.start()
                self.timed_pull("evict.during", s.port, "big")
                t.join(120)
                freed = result.get("bytes", 0)
                took = result.get("tookMillis", 0) / 1000.0
                log(f"  i: round freed {freed / 2**20:.0f} MiB in {took * 1000:.0f} ms")
                self.add("evict.freed_mib", freed / 2**20)
                self.add("evict.rate", (freed / 2**30) / took if took > 0 else None)
                if freed < fillers * filler_mib * 2**20:
                    self.notes.append(f"i: repetition {r + 1} freed only {freed / 2**20:.0f} MiB")
        finally:
            self.stop(s, "hoist", "i")

    # -- h --------------------------------------------------------------------------------
    def startup(self, runs):
        if not self.time_left("h"):
            return
        log(f"h: start-up to the first 200 on /v2/, {runs} runs each")
        for i in range(runs):
            s = self.start_hoist(f"start{i}")
            self.add("startup.hoist", s.startup)
            self.stop(s, "hoist", "h")
            d = self.start_dist(f"start{i}", proxy=f"http://127.0.0.1:{self.up.server.port}")
            self.add("startup.dist", d.startup)
            self.stop(d, "dist", "h")

    # -- the whole run --------------------------------------------------------------------
    def main(self):
        a = self.a
        fresh, reused = page_cost(self.run)
        self.notes.append(
            f"memory: writing 256 MiB to a new file took {fresh:.2f} CPU-s, and {reused:.2f} right after"
            " deleting it (into the pages just freed): bench/README.md, \"Memory\"")
        busy0 = machine_busy()
        load0 = open("/proc/loadavg").read().split()[:3]
        self.setup()
        only = set(filter(None, a.only.split(",")))
        m = None if only else self.pulls(a.reps)
        if m:
            if a.profile:
                self.notes.append("--profile: Hoist's last a/b instance ran with JFR (a, b, d, e)")
            self.blob_throughput(m, a.reps, a.streams)
            self.manifests(m, a.reps, a.manifest_seconds)
            for k, s in m.items():
                jfr = None
                if k == "hoist" and a.profile:
                    jfr = self.dump_jfr(s)
                self.stop(s, k, "a/b/d/e")
                if jfr:
                    self.profile_summary(jfr)
        # Short single-process rows first, so that a time limit cuts the long ones.
        if not only:
            self.hoist_pull(a.reps)
            self.startup(a.startup_runs)
            self.concurrent_cold(a.reps, a.concurrency)
        if not only or "i" in only:
            self.eviction(a.reps)
        if not only:
            self.verify_on_read(a.reps, a.streams)
        if not only or "j" in only:
            self.cluster(a.reps, a.concurrency)
        if a.huge_mib and not only:
            self.huge_blob()
        stop_all()
        busy1 = machine_busy()
        load1 = open("/proc/loadavg").read().split()[:3]
        total, idle = busy1[0] - busy0[0], busy1[1] - busy0[1]
        t = os.times()
        ours = t.user + t.system + t.children_user + t.children_system - self.cpu0
        machine_cpu = (total - idle) / CLK_TCK
        capacity = total / CLK_TCK
        self.machine = {
            "busy_pct": 100.0 * (total - idle) / total if total else None,
            "others_pct": 100.0 * max(0.0, machine_cpu - ours) / capacity if capacity else None,
            "load_start": load0,
            "load_end": load1,
        }

    def dump_jfr(self, s):
        path = os.path.join(self.work, "hoist-profile.jfr")
        r = subprocess.run([os.path.join(os.path.dirname(self.a.java), "jcmd"), str(s.pid), "JFR.dump",
                            f"filename={path}"], capture_output=True, timeout=60)
        if r.returncode != 0 or not os.path.exists(path):
            log(f"JFR.dump failed: {r.stdout.decode()[-300:]} {r.stderr.decode()[-300:]}")
            return None
        return path

    def profile_summary(self, path):
        views = []
        for view in ("hot-methods", "allocation-by-site"):
            r = subprocess.run([os.path.join(os.path.dirname(self.a.java), "jfr"), "view", "--width", "150",
                                view, path], capture_output=True, timeout=120)
            if r.returncode != 0:
                log(f"jfr view {view} failed: {r.stderr.decode()[-300:]}")
            views.append(r.stdout.decode()[:5000])
        self.profile = "\n".join(views)
        log(f"profile: {path}")


# ---------------------------------------------------------------------------------------------
# the table


def fmt(v, digits=2):
    if v is None:
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def b_median(b, key):
    v = b.samples.get(key)
    return median(v) if v else None


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def build_table(b):
    s = {k: median(v) for k, v in b.samples.items()}
    rows = []

    def row(label, unit, h, d, ref, ref_name, target, ok):
        verdict = "—" if target == "—" else ("n/a" if ok is None else ("PASS" if ok else "MISS"))
        rr, rd = ratio(h, ref), ratio(h, d)
        rows.append([
            label, unit, fmt(h), fmt(d),
            f"{fmt(ref)} ({ref_name})" if ref_name else "—",
            f"{rr:.2f}×" if rr is not None else "—",
            f"{rd:.2f}×" if rd is not None else "—",
            target, verdict,
        ])

    def le(x, limit):
        return None if x is None else x <= limit

    def ge(x, limit):
        return None if x is None else x >= limit

    for image in ("medium", "big"):
        h, d, ref = s.get(f"cold.{image}.hoist"), s.get(f"cold.{image}.dist"), s.get(f"cold.{image}.direct")
        row(f"a. cold pull, {image}", "s", h, d, ref, "direct", "≤ 1.15× direct", le(ratio(h, ref), 1.15))
    for image in ("medium", "big"):
        h, d, ref = s.get(f"cold.{image}.hoist"), s.get(f"cold.{image}.dist"), s.get(f"cold.{image}.ngx")
        row(f"a. cold pull, {image}, against nginx proxy_cache", "s", h, d, ref, "nginx cache", "—", None)
    for image in ("medium", "big"):
        h, d, ref = (s.get(f"coldbytes.{image}.{t}") for t in ("hoist", "dist", "direct"))
        row(f"a. upstream bytes per cold pull, {image}", "× image", h, d, ref, "direct", "1.00×",
            le(h, 1.005))
    for image in ("medium", "big"):
        h, d, ref = (s.get(f"coldcpu.server.{image}.{t}") for t in ("hoist", "dist", "ngx"))
        row(f"a. server CPU per cold pull, {image}", "CPU-s", h, d, ref, "nginx cache", "—", None)
    for image in ("medium", "big"):
        h, d, ref = (s.get(f"warm.{image}.{t}") for t in ("hoist", "dist", "direct"))
        row(f"b. warm pull, {image}", "s", h, d, ref, "direct", "—", None)
    n = b.a.concurrency
    h, d, ref = (s.get(f"conc.wall.{t}") for t in ("hoist", "dist", "direct"))
    row(f"c. {n} concurrent cold pulls of big, wall", "s", h, d, ref, f"{n} direct", "≤ 1.1× direct",
        le(ratio(h, ref), 1.1))
    h, d, ref = (s.get(f"conc.wall.{t}") for t in ("hoist", "dist", "ngx"))
    row(f"c. {n} concurrent cold pulls of big, against nginx proxy_cache", "s", h, d, ref, "nginx cache",
        "—", None)
    h, d, ref = (s.get(f"conc.bytes.{t}") for t in ("hoist", "dist", "direct"))
    row(f"c. {n} concurrent cold pulls of big, upstream bytes", "× image", h, d, ref, f"{n} direct",
        "≤ 1.05×", le(h, 1.05))
    h, d, ref = (s.get(f"blob.mbps.{t}") for t in ("hoist", "dist", "nginx"))
    row(f"d. warm blob GET, {b.a.streams} streams of 200 MB", "MiB/s", h, d, ref, "nginx",
        "≥ 0.9× nginx", ge(ratio(h, ref), 0.9))
    h, d, ref = (s.get(f"blob.cpu_per_gb.{t}") for t in ("hoist", "dist", "nginx"))
    row("d. server CPU per GB served", "CPU-s/GB", h, d, ref, "nginx", "≤ 2× nginx", le(ratio(h, ref), 2.0))
    h, ref = s.get("verify.cpu_per_gb.verify"), s.get("verify.cpu_per_gb.plain")
    row("d'. server CPU per GB served, storage.verifyOnRead", "CPU-s/GB", h, None, ref,
        "Hoist, zero-copy", "—", None)
    h, ref = s.get("verify.mbps.verify"), s.get("verify.mbps.plain")
    row(f"d'. warm blob GET with verifyOnRead, {b.a.streams} streams", "MiB/s", h, None, ref,
        "Hoist, zero-copy", "—", None)
    for method in ("HEAD", "GET"):
        tool = "hload" if method == "HEAD" else "wrk"
        h, d, ref = (s.get(f"man.{method}.rps.{t}") for t in ("hoist", "dist", "local"))
        row(f"e. manifest {method} by tag, 16 conns ({tool})", "req/s", h, d, ref, "Distribution local",
            "≥ 1.0× local", ge(ratio(h, ref), 1.0))
        h, d, ref = (s.get(f"man.{method}.p99.{t}") for t in ("hoist", "dist", "local"))
        row(f"e. manifest {method} p99", "ms", h, d, ref, "Distribution local", "≤ 10 ms", le(h, 10.0))
        h, d, ref = (s.get(f"man.{method}.cpu_us.{t}") for t in ("hoist", "dist", "local"))
        row(f"e. manifest {method} server CPU per request", "CPU-µs", h, d, ref, "Distribution local",
            "—", None)
    h, d, ref = (s.get(f"cluster.bytes.{t}") for t in ("three", "dist", "one"))
    row(f"j. {n} cold pulls of big over 3 nodes (PostgreSQL + S3), upstream bytes", "× image", h, None, ref,
        "1 node", "≤ 1.05×", le(h, 1.05))
    h, ref = s.get("cluster.wall.three"), s.get("cluster.wall.one")
    row(f"j. {n} cold pulls of big over 3 nodes, wall", "s", h, None, ref, "1 node", "≤ 1.1× 1 node",
        le(ratio(h, ref), 1.1))
    h, ref = s.get("cluster.cpu_per_gb.three"), s.get("cluster.cpu_per_gb.one")
    row("j. per-node CPU per GB pulled, 3 nodes", "CPU-s/GB", h, None, ref, "1 node", "—", None)
    h, ref = s.get("s3.cpu_per_gb.redirect"), s.get("s3.cpu_per_gb.nginx")
    row("j. warm blob GET from S3, redirect: true, Hoist CPU per GB", "CPU-s/GB", h, None, ref, "nginx",
        "≈ 0", None)
    h, ref = s.get("s3.cpu_per_gb.plain"), s.get("s3.cpu_per_gb.nginx")
    row("j. warm blob GET from S3, streamed, Hoist CPU per GB", "CPU-s/GB", h, None, ref, "nginx",
        "≤ 2× nginx", le(ratio(h, ref), 2.0))
    h, ref = s.get("s3.mbps.plain"), s.get("s3.mbps.redirect")
    row(f"j. warm blob GET from S3, {b.a.streams} streams, streamed vs redirected", "MiB/s", h, None, ref,
        "redirect (s3proxy)", "—", None)
    h, ref = s.get("pgman.rps.pg"), s.get("pgman.rps.local")
    row("j. manifest GET by tag, metadata in PostgreSQL, 16 conns (wrk)", "req/s", h, None, ref,
        "Distribution local", "≥ 1.0× local", ge(ratio(h, ref), 1.0))
    hh = max(b.hwm["hoist"]) / 1024 if b.hwm["hoist"] else None
    dh = max(b.hwm["dist"]) / 1024 if b.hwm["dist"] else None
    row("f. peak RSS (VmHWM, max over instances)", "MB", hh, dh, None, None, "≤ 300 MB", le(hh, 300))
    huge = getattr(b, "huge", None)
    if huge:
        rows.append([f"f. {b.a.huge_mib} MiB blob via mirror, -Xmx128m", "s / MB",
                     f"{'ok' if huge['ok'] else 'FAILED'} {huge['seconds']:.1f} s, VmHWM {huge['hwm_mb']:.0f}",
                     "—", "—", "—", "—", "completes", "PASS" if huge["ok"] else "MISS"])
    else:
        rows.append([f"f. large blob via mirror, -Xmx128m", "", "not run", "—", "—", "—", "—",
                     "completes", "n/a"])
    if getattr(b, "pull_available", None) is False:
        rows.append(["g. hoist pull vs skopeo copy, big", "s", "n/a (hoist pull not built)", "—",
                     "—", "—", "—", "≤ 1.0× skopeo", "n/a"])
    else:
        h, ref = s.get("pull.hoist"), s.get("pull.skopeo")
        row("g. hoist pull vs skopeo copy, big", "s", h, None, ref, "skopeo", "≤ 1.0× skopeo",
            le(ratio(h, ref), 1.0))
    h, d = s.get("startup.hoist"), s.get("startup.dist")
    row("h. start-up to first 200 on /v2/", "s", h, d, None, None, "≤ 1.5 s", le(h, 1.5))
    h, ref = s.get("evict.during"), s.get("evict.base")
    row("i. warm pull of big while eviction deletes 1 GiB", "s", h, None, ref, "same pulls, no eviction",
        "≤ 1.1×", le(ratio(h, ref), 1.1))
    h = s.get("evict.rate")
    row("i. eviction rate (one round, 4 images of 256 MiB)", "GiB/s", h, None, None, None, "—", None)
    return rows


HEADER = ["row", "unit", "Hoist", "Distribution proxy", "reference", "Hoist/ref", "Hoist/Distribution",
          "target", "result"]


def markdown(rows):
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--java", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--hload", required=True)
    p.add_argument("--registry", default="/usr/bin/docker-registry")
    p.add_argument("--nginx", default="/usr/sbin/nginx")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--streams", type=int, default=8)
    p.add_argument("--manifest-seconds", type=int, default=5)
    p.add_argument("--startup-runs", type=int, default=5)
    p.add_argument("--huge-mib", type=int, default=2048)
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--max-minutes", type=float, default=15)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--only", default="", help="run only these rows, comma-separated (i, j), after the setup")
    p.add_argument("--s3proxy-cp", default="", help="classpath of the test kit's S3Server (row j)")
    p.add_argument("--postgres", default="", help="PostgreSQL URL for row j (postgresql://...)")
    p.add_argument("--facts", required=True, help="a JSON file of machine facts from run.sh")
    p.add_argument("--results", required=True)
    p.add_argument("--keep", action="store_true")
    a = p.parse_args()

    def on_signal(signum, _frame):
        stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    atexit.register(stop_all)

    b = Bench(a)
    failed = None
    try:
        b.main()
    except Exception as e:  # noqa: BLE001 - report what was measured, then fail
        failed = e
        import traceback

        traceback.print_exc()
    finally:
        stop_all()
    rows = build_table(b)
    table = markdown(rows)
    facts = json.load(open(a.facts))
    facts["duration_s"] = round(time.monotonic() - T0)
    facts.update(getattr(b, "machine", {}))
    passes = sum(1 for r in rows if r[-1] == "PASS")
    misses = [r[0] for r in rows if r[-1] == "MISS"]

    lines = [
        f"# Hoist benchmark, {facts['date']}",
        "",
        f"- machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']} memory, machine id {facts['machine']}",
        f"- JDK: {facts['jdk']}",
        f"- Hoist: commit {facts['commit']}, jar sha256 {facts['jar_sha']}",
        f"- peers: {facts['peers']}",
        f"- run: `{facts['command']}`, {a.reps} repetition(s), medians; {facts['duration_s']} s;"
        f" the machine's CPUs were {fmt(facts.get('busy_pct'), 0)}% busy, {fmt(facts.get('others_pct'), 0)}%"
        f" of them with processes outside the benchmark; load average"
        f" {' '.join(facts.get('load_start', []))} at start, {' '.join(facts.get('load_end', []))} at end",
        "",
        table,
        "",
        f"{passes} targets PASS; MISS: {', '.join(misses) if misses else 'none'}.",
        "",
        "Reference column: `direct` = skopeo straight from the upstream Distribution; `nginx` = nginx"
        " (sendfile on) serving the same blob file; `nginx cache` = nginx as a pull-through cache"
        " (proxy_cache) of the same upstream; `Distribution local` = Distribution serving"
        " its own storage (no proxy). Ratios are of medians. Row meanings: bench/README.md.",
    ]
    floor = []
    for image in ("medium", "big"):
        n, d = b_median(b, f"cold.{image}.ngx"), b_median(b, f"cold.{image}.direct")
        if n is not None and d:
            floor.append(f"{image} {fmt(n)} s = {n / d:.2f}× direct")
    if floor:
        b.notes.append("a: nginx proxy_cache, a C pull-through cache that checks no digest, cold: "
                       + ", ".join(floor) + " (what a lean storing mirror reaches on this machine)")
    n, d = b_median(b, "conc.wall.ngx"), b_median(b, "conc.wall.direct")
    if n is not None and d:
        b.notes.append(f"c: nginx proxy_cache, {b.a.concurrency} concurrent cold pulls of big:"
                       f" {fmt(n)} s = {n / d:.2f}× {b.a.concurrency} direct")
    budget = [b_median(b, f"coldcpu.{k}.big.direct") for k in ("client", "upstream")]
    wall = b_median(b, "cold.big.direct")
    if None not in budget and wall:
        busy = sum(budget) / (wall * os.cpu_count())
        per = ", ".join(f"{t} {fmt(b_median(b, f'coldcpu.server.big.{t}'))}"
                        for t in ("hoist", "dist", "ngx") if b_median(b, f"coldcpu.server.big.{t}") is not None)
        b.notes.append(
            f"a: the direct cold pull of big kept the {os.cpu_count()} cores {100 * busy:.0f}% busy"
            f" (skopeo {fmt(budget[0])} CPU-s, upstream {fmt(budget[1])} CPU-s in {fmt(wall)} s), so each"
            f" CPU-second a mirror spends adds about 1/{os.cpu_count()} s to a cold pull; mirror CPU-s"
            f" per cold pull of big: {per}")
    if b.hwm_phase:
        b.notes.append("peak RSS by phase (MB, max): " + ", ".join(
            f"{k} {max(v) / 1024:.0f}" for k, v in b.hwm_phase.items()))
    if (facts.get("others_pct") or 0) > 20:
        b.notes.append(f"other work used {facts['others_pct']:.0f}% of the machine during the run:"
                       " absolute figures are pessimistic and noisy; compare within a row")
    if b.notes or failed:
        lines += ["", "Notes:"] + [f"- {n}" for n in b.notes]
        if failed:
            lines.append(f"- the run stopped early: {failed!r}")
    if getattr(b, "profile", None):
        lines += ["", "JFR hot methods of Hoist during d and e:", "", "```", b.profile.strip(), "```"]
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    os.makedirs(os.path.dirname(a.results), exist_ok=True)
    with open(a.results, "w") as f:
        f.write(report)
    with open(os.path.join(os.path.dirname(a.results), "LATEST.md"), "w") as f:
        f.write(report)
    with open(a.results[:-3] + ".json", "w") as f:
        json.dump({"facts": facts, "samples": b.samples, "hwm_kb": b.hwm_phase, "huge": getattr(b, "huge", None),
                   "notes": b.notes}, f, indent=1)
    if not a.keep:
        shutil.rmtree(b.run, ignore_errors=True)
    log(f"results: {a.results}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
