#!/usr/bin/env python3
"""yunfn side by side with its peers: runs the shared peer harness and prints the ratios
the project targets.

    python3 bench/peers_bench.py --bin build/yunfn

The harness (../shared/bench/peers from the repository root, or --peers-dir) measures a
trivial HTTP function (GET -> 200 {"ok":true}) on several runtimes, one after another,
with wrk on loopback: cold start, wrk -t2 -c32 and wrk -t1 -c1 runs, memory. This
script copies it to a directory of its own (it installs npm packages and writes results
into its folder), runs

    YUNFN_BIN=<bin> PEERS="workerd node_raw python_raw yunfn_py yunfn_web" ./run-all.sh

there, reads results/<run>/summary.tsv and prints the harness's table and

  yunfn_py / workerd     c32 requests/s            (target >= 1.0)
  yunfn_web / node_raw   c32 requests/s            (target >= 0.5)
  yunfn_py - python_raw  c1 p50 latency, ms        (target <= 0.1)
  yunfn_py - python_raw  c1 p99 latency, ms        (target <= 0.3)

The full run's copy is cached (default ~/.cache/yunfn-peers): `npm ci` (for workerd)
runs only when its node_modules is missing or package-lock.json changed; its results
stay in the cache's results/ folder. --quick is a smoke run of 25-40 s: the peers
python_raw, yunfn_py and yunfn_web with DUR=1 WARM=1 COLD_RUNS=1, in a temporary copy
that needs no npm package (none of these peers uses one); it exits 1 when a request
failed (a row whose status is not ok or that counts non-2xx answers or socket errors;
the 1 s runs are too short for yunfn's instances to start, so a yunfn row may show no
request at all). nginx is required by the harness's tool check (apt-get install -y
nginx-light): without it the script exits 2.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

FULL_PEERS = "workerd node_raw python_raw yunfn_py yunfn_web"
QUICK_PEERS = "python_raw yunfn_py yunfn_web"

# Columns of summary.tsv, as lib/bench.sh's bench_peer writes them (print_table's header).
COLUMNS = ("peer", "kind", "c32_rps", "c32_p50ms", "c32_p90ms", "c32_p99ms", "c32_maxms",
           "c1_rps", "c1_p50ms", "c1_p90ms", "c1_p99ms", "c1_maxms", "cold_ms", "1st_req_ms",
           "rss_idle_MB", "rss_post_MB", "proc/thr", "non2xx/sockerr", "status")

# (label, kind, row a, row b, column, target, "ge" or "le")
RATIOS = (
    ("yunfn_py / workerd, c32 requests/s", "ratio", "yunfn_py", "workerd", "c32_rps", 1.0, "ge"),
    ("yunfn_web / node_raw, c32 requests/s", "ratio", "yunfn_web", "node_raw", "c32_rps", 0.5,
     "ge"),
    ("yunfn_py - python_raw, c1 p50 (ms)", "diff", "yunfn_py", "python_raw", "c1_p50ms", 0.1,
     "le"),
    ("yunfn_py - python_raw, c1 p99 (ms)", "diff", "yunfn_py", "python_raw", "c1_p99ms", 0.3,
     "le"),
)

# Tools run-all.sh checks for (it exits 2 when one is missing), with how to get them.
TOOLS = (("wrk", "apt-get install -y wrk"), ("nginx", "apt-get install -y nginx-light"),
         ("curl", "apt-get install -y curl"), ("node", "apt-get install -y nodejs"),
         ("column", "apt-get install -y bsdextrautils"))


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "yunfn-peers")


def copy_harness(src, dst):
    """Copies the harness from src into dst (created if needed), leaving dst's
    node_modules and results alone and removing every other old entry first. The
    shared copy is read-only: files get 0644 (0755 when executable), folders 0755."""
    os.makedirs(dst, exist_ok=True)
    for entry in os.listdir(dst):
        if entry in ("node_modules", "results"):
            continue
        path = os.path.join(dst, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        if rel == ".":
            dirs[:] = [d for d in dirs if d not in ("node_modules", "results")]
        out = os.path.join(dst, rel) if rel != "." else dst
        os.makedirs(out, mode=0o755, exist_ok=True)
        for name in files:
            s = os.path.join(root, name)
            d = os.path.join(out, name)
            if os.path.islink(s):
                os.symlink(os.readlink(s), d)
                continue
            shutil.copyfile(s, d)
            os.chmod(d, 0o755 if os.stat(s).st_mode & 0o111 else 0o644)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def ensure_npm(root):
    """Runs `npm ci` in root unless its node_modules was installed from the same
    package-lock.json (a stamp file in node_modules says which)."""
    lock = os.path.join(root, "package-lock.json")
    stamp = os.path.join(root, "node_modules", ".yunfn-peers-lock-sha256")
    want = sha256_file(lock)
    try:
        with open(stamp) as f:
            if f.read().strip() == want:
                return False
    except OSError:
        pass
    if shutil.which("npm") is None:
        sys.exit("npm not found: the full run needs it once for workerd (apt-get install -y npm)")
    sys.stderr.write("peers: npm ci in %s (once; later runs reuse it)\n" % root)
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=root,
                          stdout=sys.stderr, stderr=sys.stderr)
    if proc.returncode != 0:
        sys.exit("npm ci failed in %s (exit code %d)" % (root, proc.returncode))
    with open(stamp, "w") as f:
        f.write(want + "\n")
    return True


def read_summary(path):
    """summary.tsv -> {peer: {column: value}} (numbers as float where they parse)."""
    rows = {}
    with open(path) as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 2:
                continue
            row = {}
            for name, cell in zip(COLUMNS, cells):
                try:
                    row[name] = float(cell)
                except ValueError:
                    row[name] = cell
            rows[cells[0]] = row
    return rows


def row_failed(row):
    """Why a summary row shows a failed measurement, or None."""
    if row.get("status") != "ok":
        return "status %s" % row.get("status")
    if row.get("non2xx/sockerr") not in ("0/0", None):
        return "non-2xx/socket errors %s" % row.get("non2xx/sockerr")
    return None


def compute_ratios(rows):
    out = []
    for label, kind, a, b, col, target, sense in RATIOS:
        x, y = rows.get(a, {}).get(col), rows.get(b, {}).get(col)
        value = None
        if isinstance(x, float) and isinstance(y, float):
            if kind == "ratio":
                value = round(x / y, 3) if y else None
            else:
                value = round(x - y, 3)
        met = None if value is None else (value >= target if sense == "ge" else value <= target)
        missing = [p for p in (a, b) if p not in rows]
        out.append({"label": label, "value": value, "target": target, "sense": sense,
                    "met": met, "missing": missing, "a": x, "b": y})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--peers-dir", default=os.path.join(REPO, "..", "shared", "bench", "peers"),
                    help="the shared peer harness (default ../shared/bench/peers from the "
                         "repository root)")
    ap.add_argument("--cache-dir", default=default_cache_dir(),
                    help="where the full run keeps its copy with node_modules "
                         "(default ~/.cache/yunfn-peers)")
    ap.add_argument("--peers", default=None,
                    help="PEERS of run-all.sh (default \"%s\"; --quick: \"%s\")"
                         % (FULL_PEERS, QUICK_PEERS))
    ap.add_argument("--duration", type=int, default=None,
                    help="DUR: seconds of each measured wrk run (harness default 10)")
    ap.add_argument("--warm", type=int, default=None,
                    help="WARM: seconds of each warm-up run (harness default 2)")
    ap.add_argument("--cold-runs", type=int, default=None,
                    help="COLD_RUNS: cold starts per peer (harness default 5)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of 25-40 s: python_raw, yunfn_py, yunfn_web with "
                         "DUR=1 WARM=1 COLD_RUNS=1, no npm; exits 1 when a request failed")
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit("no yunfn binary at %s (use --bin)" % binary)
    peers_dir = os.path.abspath(args.peers_dir)
    if not os.path.isfile(os.path.join(peers_dir, "run-all.sh")):
        sys.exit("no peer harness at %s (use --peers-dir)" % peers_dir)
    missing = [(t, hint) for t, hint in TOOLS if shutil.which(t) is None]
    if missing:
        for tool, hint in missing:
            sys.stderr.write("peers: %s not found, the harness requires it: %s\n" % (tool, hint))
        sys.exit(2)

    env = dict(os.environ)
    env["YUNFN_BIN"] = binary
    if args.quick:
        env.update({"PEERS": args.peers or QUICK_PEERS, "DUR": "1", "WARM": "1",
                    "COLD_RUNS": "1", "IDLE_SLEEP": "1"})
    else:
        env["PEERS"] = args.peers or FULL_PEERS
        for key, value in (("DUR", args.duration), ("WARM", args.warm),
                           ("COLD_RUNS", args.cold_runs)):
            if value is not None:
                env[key] = str(value)
            else:
                env.pop(key, None)
    for key in ("RUN_DIR", "BASE_PORT", "PIN"):
        env.pop(key, None)  # the harness's defaults, not the caller's leftovers

    started = time.time()
    tmp = None
    if args.quick:
        # A throw-away copy: the quick peers use no npm package, so an empty
        # node_modules satisfies run-all.sh's `[ -d node_modules ] || npm ci`.
        tmp = tempfile.mkdtemp(prefix="yunfn-peers-")
        root = os.path.join(tmp, "peers")
        copy_harness(peers_dir, root)
        os.mkdir(os.path.join(root, "node_modules"))
    else:
        root = os.path.join(os.path.abspath(args.cache_dir), "harness")
        copy_harness(peers_dir, root)
        ensure_npm(root)
    run_dir = os.path.join(root, "results", time.strftime("%Y%m%d-%H%M%S"))
    env["RUN_DIR"] = run_dir
    try:
        sys.stderr.write("peers: PEERS=\"%s\" ./run-all.sh in %s\n" % (env["PEERS"], root))
        proc = subprocess.run(["./run-all.sh"], cwd=root, env=env, stdin=subprocess.DEVNULL,
                              stdout=sys.stderr, stderr=sys.stderr)
        if proc.returncode != 0:
            sys.exit("run-all.sh failed with exit code %d" % proc.returncode)
        summary = os.path.join(run_dir, "summary.tsv")
        rows = read_summary(summary)
        try:
            with open(os.path.join(run_dir, "table.txt")) as f:
                table = f.read().rstrip("\n")
        except OSError:
            table = None
        try:
            with open(os.path.join(run_dir, "env.txt")) as f:
                env_txt = f.read().rstrip("\n")
        except OSError:
            env_txt = ""
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
    print("yunfn peer benchmark: %s (%s), PEERS=\"%s\"%s"
          % (binary, version, env["PEERS"], " (--quick smoke run)" if args.quick else ""))
    for line in env_txt.splitlines():
        if line.startswith(("host:", "settings:")):
            print("  " + line)
    print(table if table else "(no table.txt: see %s)" % summary)
    print("targets (from the same run):")
    ratios = compute_ratios(rows)
    for x in ratios:
        if x["value"] is None:
            why = ("not run: %s" % ", ".join(x["missing"])) if x["missing"] else "no number"
            print("  %-40s n/a (%s)" % (x["label"], why))
            continue
        print("  %-40s %8.3f  target %s %.1f  %s"
              % (x["label"], x["value"], ">=" if x["sense"] == "ge" else "<=", x["target"],
                 "met" if x["met"] else "NOT met"))
    failures = {p: why for p, why in ((p, row_failed(r)) for p, r in rows.items()) if why}
    not_run = [p for p in env["PEERS"].split() if p not in rows]
    for p, why in sorted(failures.items()):
        print("  failed: %s (%s)" % (p, why))
    for p in not_run:
        print("  failed: %s (no row in summary.tsv: harness error, see the log above)" % p)
    for p, r in sorted(rows.items()):
        idle = [c for c in ("c32", "c1") if not r.get(c + "_rps")]
        if idle and p not in failures:
            print("  note: %s finished no request in its %s run%s (without errors: the "
                  "requests were still waiting, e.g. for instances starting)"
                  % (p, " and ".join(idle), "s" if len(idle) > 1 else ""))
    if not args.quick:
        print("raw logs in %s" % run_dir)
    print("total benchmark time %.0f s" % (time.time() - started))
    print("JSON " + json.dumps({"peers": env["PEERS"].split(), "rows": rows, "targets": ratios,
                                "failed": sorted(failures) + not_run,
                                "run_dir": None if args.quick else run_dir},
                               sort_keys=True))
    if args.quick and (failures or not_run):
        sys.exit("%d peers failed" % (len(failures) + len(not_run)))


if __name__ == "__main__":
    main()
