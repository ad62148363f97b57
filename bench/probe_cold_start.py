"""Budget benchmark for the probe Lambda (a measurement to read, not a timed test).

    .venv/bin/python bench/probe_cold_start.py [--runs 7]

Prints:
  * the interpreter it measures with and the machine load (uptime) before and after;
  * zipped size of the Lambda bundle (cp314 / manylinux2014_aarch64, as deployed) and of a
    naive bundle (`pip install openai[bedrock] boto3 aws-bedrock-token-generator`), budget
    8 MB, and whether the Lambda bundle got bytecode on this machine (it needs a CPython
    3.14 here; without one the bundle ships sources only, and the size it would have with
    bytecode is estimated);
  * cold-run time of the real handler in a fresh interpreter per run, against local fake
    endpoints, PYTHONDONTWRITEBYTECODE=1 (Lambda's /var/task is read-only), for
      - the real bundle, built by the same build function for THIS interpreter and platform,
        with bytecode compiled by this interpreter (it matches, as a 3.14 would for Lambda),
      - the same bundle without bytecode (what the Lambda gets when the build machine has no
        python3.14),
      - a naive bundle (pip install --no-compile, so no bytecode: what a naive user ships);
    runs are interleaved so load drifts hit every variant alike; medians. Budget: 1.0 s;
  * a breakdown of the real bundle's cold run: import botocore, import openai, then the handler
    with those imports done (sessions, clients, the SDKs' lazy imports, the calls).

Honesty notes: this runs THIS machine's Python, so absolute figures differ from Lambda's
(3.14 on arm64). The AWS SDK (boto3/botocore) is not in the real bundle because the Lambda
runtime provides it; the bench puts a separate boto3 install on the path in its place,
compiled like a runtime's installed packages are. A cold start is counted as interpreter
start + module init + first invocation; process teardown (which Lambda does not pay) is
shown separately.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from private_bedrock.probe import bundling as probe_bundling  # noqa: E402
from private_bedrock.probe.bundling import INFO_FILE, PROBE_DIR, build_probe_bundle  # noqa: E402
from tests.fakes.bedrock_servers import FakeBedrock  # noqa: E402

BUDGET_MB, BUDGET_S = 8.0, 1.0
LAMBDA = {"python_version": "3.14", "platform": "manylinux2014_aarch64"}
NAIVE = ["openai[bedrock]==3.54.0", "boto3==1.44.5", "aws-bedrock-token-generator==1.1.0"]
RUNTIME_SDK = ["boto3==1.44.5"]
# Runs inside the fresh interpreter: time module init (imports) and the handler call, and
# list the bundle's modules that were imported from source without a pyc.
CHILD = """
import importlib.util, json, os, sys, time
t0 = time.perf_counter()
import handler
t1 = time.perf_counter()
report = handler.handler({}, None)
t2 = time.perf_counter()
task = os.path.dirname(handler.__file__) + os.sep
uncompiled = sorted(m.__file__[len(task):] for m in list(sys.modules.values())
                    if (getattr(m, "__file__", None) or "").startswith(task) and m.__file__.endswith(".py")
                    and not os.path.exists(importlib.util.cache_from_source(m.__file__)))
imported = sum(1 for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(task))
print(json.dumps({"import_s": t1 - t0, "handler_s": t2 - t1, "passed": report["passed"],
                  "failed": [c["name"] for c in report["checks"] if not c["passed"]],
                  "imported": imported, "uncompiled": uncompiled}))
"""
# The same cold run cut into phases (the imports are done before the handler runs).
PHASES = """
import json, time
t0 = time.perf_counter()
import handler, aws_session, plan
t1 = time.perf_counter()
import botocore.session, botocore.config, botocore.auth, botocore.awsrequest
t2 = time.perf_counter()
import openai, openai.providers, aws_bedrock_token_generator
t3 = time.perf_counter()
report = handler.handler({}, None)
t4 = time.perf_counter()
print(json.dumps({"probe modules": t1 - t0, "import botocore (session, config, auth)": t2 - t1,
                  "import openai (+providers, token generator)": t3 - t2,
                  "handler after those imports (sessions, clients, resources, calls)": t4 - t3, "passed": report["passed"]}))
"""


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--quiet"], check=True)


def zipped_mb(directory: Path) -> float:
    with tempfile.TemporaryFile() as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(directory.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(directory))
        return f.tell() / 1e6


def local_platform() -> str:
    return "manylinux2014_" + sysconfig.get_platform().split("-")[-1]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def naive_bundle(target: Path, *, python_version: str, platform: str) -> None:
    pip("install", "--target", str(target), "--platform", platform, "--python-version", python_version,
        "--only-binary=:all:", "--implementation", "cp", "--no-compile", *NAIVE)
    for f in PROBE_DIR.glob("*.py"):
        (target / f.name).write_bytes(f.read_bytes())


def child_env(paths: list[Path], fake: FakeBedrock) -> dict:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": os.pathsep.join(map(str, paths)), "AWS_REGION": fake.region, "PROBE_KIND": "vpc",
            "VPC_CIDR": "127.0.0.0/8", "EXPECT_ALLOWED": "allowed", "EXPECT_BEARER": "denied",
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true", **fake.credentials.env(),
            **{"AWS_ENDPOINT_URL_" + s.upper().replace("-", "_"): u for s, u in fake.urls.items()}}


def run_child(code: str, env: dict | None) -> tuple[float, dict]:
    started = time.perf_counter()
    # -S: no site-packages, only the bundle (/var/task) and the SDK (/var/runtime) on the path.
    out = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return wall, (json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {})


def cold_runs(variants: dict[str, list[Path]], fake: FakeBedrock, runs: int) -> dict:
    """Interleaved runs: round r runs every variant once, in a rotating order."""
    walls = {k: [] for k in variants}
    inner = {k: [] for k in variants}
    names = list(variants)
    for r in range(runs):
        for name in names[r % len(names):] + names[: r % len(names)]:
            wall, out = run_child(CHILD, child_env(variants[name], fake))
            if not out["passed"]:
                raise SystemExit(f"{name}: the probe did not pass against the fakes: {out['failed']}")
            walls[name].append(wall)
            inner[name].append(out)
    med = statistics.median
    return {k: {"wall_s": med(walls[k]), "import_s": med(r["import_s"] for r in inner[k]),
                "handler_s": med(r["handler_s"] for r in inner[k]),
                "cold_all": sorted(r["import_s"] + r["handler_s"] for r in inner[k]),
                "imported": inner[k][-1]["imported"], "uncompiled": inner[k][-1]["uncompiled"]} for k in variants}


def baseline_start(runs: int) -> float:
    return statistics.median(run_child("pass", None)[0] for _ in range(runs))


def bytecode_size_estimate(lambda_dir: Path, tmp: Path) -> float | None:
    """Zipped size the Lambda bundle would have with its cold-path pycs, estimated by compiling
    the same modules with this interpreter (pyc sizes differ little between 3.11 and 3.14).
    A measurement aid only: such pycs are never shipped."""
    local = probe_bundling.find_interpreter(f"{sys.version_info.major}.{sys.version_info.minor}")
    if local is None:
        return None
    est = tmp / "lambda-size-estimate"
    shutil.copytree(lambda_dir, est)
    probe_bundling._compile(local, est, est, entry_points=list(probe_bundling._COLD_PATH_ENTRY_POINTS))
    probe_bundling._compile(local, est, est, files=sorted(p.name for p in PROBE_DIR.glob("*.py")))
    return zipped_mb(est)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    print(f"measuring with: CPython {sys.version.split()[0]} {sysconfig.get_platform()} ({sys.executable}),"
          f" {os.cpu_count()} CPUs; load average (1/5/15 min) at start: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"\n== Lambda bundle: cp{LAMBDA['python_version'].replace('.', '')} {LAMBDA['platform']};"
              f" budget {BUDGET_MB:.0f} MB zipped")
        info = build_probe_bundle(str(tmp / "lambda"), **LAMBDA)
        naive_bundle(tmp / "lambda-naive", **LAMBDA)
        real_mb, naive_mb = zipped_mb(tmp / "lambda"), zipped_mb(tmp / "lambda-naive")
        bc = info["bytecode"]
        print(f"real bundle   {real_mb:5.2f} MB  {'OK' if real_mb <= BUDGET_MB else 'OVER BUDGET'};  bytecode: "
              + (f"YES, {bc['modules']} pycs by {bc['compiled_by']} ({bc['invalidation_mode']})" if bc
                 else f"NO ({info['no_bytecode_reason']}; see {INFO_FILE} in the bundle)"))
        if not bc:
            est = bytecode_size_estimate(tmp / "lambda", tmp)
            if est is not None:
                print(f"              {est:5.2f} MB  estimated with its cold-path pycs (compiled here by {here}"
                      f" for sizing only)  {'OK' if est <= BUDGET_MB else 'OVER BUDGET'}")
        print(f"naive bundle  {naive_mb:5.2f} MB  (botocore bundled)")

        print(f"\n== cold run, CPython {sys.version.split()[0]} {sysconfig.get_platform()}, median of {args.runs}"
              f" interleaved runs; budget {BUDGET_S:.1f} s")
        local = {"python_version": here, "platform": local_platform()}
        task_info = build_probe_bundle(str(tmp / "task"), **local)
        build_probe_bundle(str(tmp / "task-nobc"), **local, bytecode=False)
        naive_bundle(tmp / "task-naive", **local)
        pip("install", "--target", str(tmp / "runtime"), *RUNTIME_SDK)  # compiled, like a runtime install
        runtime = tmp / "runtime"
        variants = {
            f"real bundle, bytecode ({here})": [tmp / "task", runtime],
            "real bundle, no bytecode": [tmp / "task-nobc", runtime],
            "naive bundle (everything bundled)": [tmp / "task-naive"],
        }
        with FakeBedrock() as fake:
            baseline = baseline_start(args.runs)
            results = cold_runs(variants, fake, args.runs)
            phases = [run_child(PHASES, child_env([tmp / "task", runtime], fake))[1] for _ in range(args.runs)]
        print(f"interpreter start alone              {baseline:5.2f} s")
        for label, r in results.items():
            cold = baseline + r["import_s"] + r["handler_s"]
            spread = f"{baseline + r['cold_all'][0]:.2f}-{baseline + r['cold_all'][-1]:.2f}"
            print(f"{label:37s}{cold:5.2f} s cold start (range {spread} s; init {r['import_s']:.2f} s + handler"
                  f" {r['handler_s']:.2f} s; process wall incl. teardown {r['wall_s']:.2f} s)"
                  f"  {'OK' if cold <= BUDGET_S else 'OVER BUDGET'}")
        real = results[f"real bundle, bytecode ({here})"]
        print(f"bytecode coverage: {task_info['bytecode']['modules'] if task_info['bytecode'] else 0} pycs in the"
              f" bundle; a cold run imported {real['imported']} bundle modules,"
              f" {len(real['uncompiled'])} of them without a pyc {real['uncompiled'][:5]}")
        print("\n== breakdown of the real bundle's cold run (bytecode), medians")
        for key in [k for k in phases[0] if k != "passed"]:
            print(f"  {statistics.median(p[key] for p in phases):5.2f} s  {key}")
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
