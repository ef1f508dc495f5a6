#!/usr/bin/env python3
"""Row e of run.sh for two Hoist jars side by side: manifest HEAD and GET by tag from a warm mirror.

    bench/ab-manifests.py BEFORE.jar AFTER.jar [ROUNDS]

Both servers mirror the same upstream Distribution and run at once; short hload runs (4 s, 16
connections) alternate between them, in alternating order, ROUNDS times (default 6), so that what
the machine is doing meanwhile weighs on both alike. Prints the medians of requests/s, p99 and the
server's CPU-microseconds per request. On a shared machine, run.sh's absolute figures drift by
tens of percent between runs minutes apart; this is for telling whether a change costs anything.
Needs bench/run.sh to have run once (bench/work/hload and bench/work/images), and a JDK 21+
(JAVA, else the one scripts/find-jdk.sh finds).
"""
import json, os, socket, subprocess, sys, time, statistics, shutil, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.environ.get("BENCH_WORK", os.path.join(HERE, "work"))
JAVA = os.environ.get("JAVA") or subprocess.run(
    ["bash", "-c", f". {HERE}/../scripts/find-jdk.sh && find_java"],
    capture_output=True, text=True, check=True).stdout.strip()
HLOAD = os.path.join(WORK, "hload")
LAYOUT = os.path.join(WORK, "images", "medium")
if len(sys.argv) < 3:
    raise SystemExit(__doc__)
JARS = {"before": sys.argv[1], "after": sys.argv[2]}
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 6
SECONDS = 4
ACCEPT = ("application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
          "application/vnd.docker.distribution.manifest.v2+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json")
run = os.path.join(WORK, "ab")
shutil.rmtree(run, ignore_errors=True)
os.makedirs(run)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait(port):
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1); return
        except Exception:
            time.sleep(0.05)
    raise SystemExit(f"port {port} never answered")

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

procs = []
up = free_port()
cfg = f"{run}/up.yml"
open(cfg, "w").write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                     f"storage:\n  filesystem:\n    rootdirectory: {run}/up\nhttp:\n  addr: 127.0.0.1:{up}\n")
procs.append(subprocess.Popen(["/usr/bin/docker-registry", "serve", cfg],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
wait(up)
subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{LAYOUT}:1",
                f"docker://127.0.0.1:{up}/bench/medium:1"], check=True)
servers = {}
for name, jar in JARS.items():
    port = free_port()
    p = subprocess.Popen([JAVA, "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=64m",
                          "-XX:MaxMetaspaceSize=128m", "--enable-native-access=ALL-UNNAMED", "-jar", jar,
                          "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", f"{run}/{name}",
                          "--mirror", f"docker.io=http://127.0.0.1:{up}"],
                         stdout=open(f"{run}/{name}.log", "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    wait(port)
    servers[name] = (p.pid, port)
path = "/v2/bench/medium/manifests/1"
def load(port, method, seconds):
    out = subprocess.run([HLOAD, "-c", "16", "-t", "2", "-d", str(seconds), "-m", method, "-H",
                          f"Accept: {ACCEPT}", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, check=True, timeout=seconds + 30).stdout
    return json.loads(out)
try:
    for name, (pid, port) in servers.items():  # warm: fill the cache, then JIT
        load(port, "GET", 1); load(port, "GET", 3); load(port, "HEAD", 3)
    res = {n: {"HEAD": [], "GET": []} for n in servers}
    for r in range(ROUNDS):
        order = list(servers) if r % 2 == 0 else list(reversed(list(servers)))
        for name in order:
            pid, port = servers[name]
            for method in ("HEAD", "GET"):
                c0 = cpu(pid); x = load(port, method, SECONDS); c1 = cpu(pid)
                res[name][method].append((x["rps"], x["p99_ms"], (c1 - c0) / x["requests"] * 1e6,
                                          x["non2xx"] + x["errors"]))
    for method in ("HEAD", "GET"):
        for name in servers:
            rows = res[name][method]
            print(f"{method:4} {name:6} req/s {statistics.median(r[0] for r in rows):8.0f}  "
                  f"p99 {statistics.median(r[1] for r in rows):5.2f} ms  "
                  f"CPU {statistics.median(r[2] for r in rows):6.1f} us/req  "
                  f"(runs: {', '.join(f'{r[0]:.0f}/{r[2]:.0f}' for r in rows)}; bad {sum(r[3] for r in rows)})")
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=20)
