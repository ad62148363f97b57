"""Budget benchmark for the probe Lambda (a measurement to read, not a timed test).

    .venv/bin/python bench/probe_cold_start.py [--runs 5]

Prints:
  * zipped size of the Lambda bundle (cp314 / manylinux2014_aarch64, as deployed) and of a
    naive bundle (`pip install openai[bedrock] boto3 aws-bedrock-token-generator`), budget 8 MB;
  * cold-run wall clock of the real handler in a fresh interpreter per run, against local
    fake endpoints, PYTHONDONTWRITEBYTECODE=1 and no bytecode in the bundle (as in Lambda's
    read-only /var/task), for the real bundle and for the naive one. Budget: 1.0 s.

Honesty notes: this runs THIS machine's Python (3.11, x86_64), so the cold-run bundles are
built by the same build function for the local interpreter and platform. Lambda runs 3.14
on arm64; absolute figures there differ. The AWS SDK (boto3/botocore) is not in the real
bundle because the Lambda runtime provides it; the bench puts a separate boto3 install on
the path in its place, compiled like a runtime's installed packages are.
"""

from __future__ import annotations

import argparse
import json
import os
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

from stacks.probe_bundling import PROBE_DIR, build_probe_bundle  # noqa: E402
from tests.fakes.bedrock_servers import FakeBedrock  # noqa: E402

BUDGET_MB, BUDGET_S = 8.0, 1.0
NAIVE = ["openai[bedrock]==3.54.0", "boto3==1.44.5", "aws-bedrock-token-generator==1.1.0"]
RUNTIME_SDK = ["boto3==1.44.5"]
# Runs inside the fresh interpreter: time module init (imports) and the handler call.
CHILD = """
import json, time
t0 = time.perf_counter()
import handler
t1 = time.perf_counter()
report = handler.handler({}, None)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "handler_s": t2 - t1, "passed": report["passed"],
                  "failed": [c["name"] for c in report["checks"] if not c["passed"]]}))
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


def naive_bundle(target: Path, *, python_version: str, platform: str) -> None:
    pip("install", "--target", str(target), "--platform", platform, "--python-version", python_version,
        "--only-binary=:all:", "--implementation", "cp", "--no-compile", *NAIVE)
    for f in PROBE_DIR.glob("*.py"):
        (target / f.name).write_bytes(f.read_bytes())


def cold_runs(paths: list[Path], fake: FakeBedrock, runs: int) -> dict:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(map(str, paths)), "AWS_REGION": fake.region, "PROBE_KIND": "vpc",
           "VPC_CIDR": "127.0.0.0/8", "EXPECT_ALLOWED": "allowed", "EXPECT_BEARER": "denied",
           "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
           "AWS_EC2_METADATA_DISABLED": "true", **fake.credentials.env(),
           **{f"AWS_ENDPOINT_URL_{s}": fake.url for s in ("BEDROCK", "BEDROCK_RUNTIME", "BEDROCK_MANTLE")}}
    walls, inner = [], []
    for _ in range(runs):
        started = time.perf_counter()
        # -S: no site-packages, only the bundle (/var/task) and the SDK (/var/runtime) on the path.
        out = subprocess.run([sys.executable, "-S", "-c", CHILD], env=env, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - started)
        inner.append(json.loads(out.stdout))
    if not all(r["passed"] for r in inner):
        raise SystemExit(f"the probe did not pass against the fakes: {inner[-1]['failed']}")
    return {"wall_s": statistics.median(walls), "import_s": statistics.median(r["import_s"] for r in inner),
            "handler_s": statistics.median(r["handler_s"] for r in inner)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("== bundle size (zipped), Lambda target cp314 manylinux2014_aarch64; budget 8 MB")
        build_probe_bundle(str(tmp / "lambda"), python_version="3.14", platform="manylinux2014_aarch64")
        naive_bundle(tmp / "lambda-naive", python_version="3.14", platform="manylinux2014_aarch64")
        real_mb, naive_mb = zipped_mb(tmp / "lambda"), zipped_mb(tmp / "lambda-naive")
        print(f"real bundle   {real_mb:5.2f} MB  {'OK' if real_mb <= BUDGET_MB else 'OVER BUDGET'}")
        print(f"naive bundle  {naive_mb:5.2f} MB  (botocore bundled)")

        print(f"\n== cold run, Python {sys.version.split()[0]} {sysconfig.get_platform()}, median of {args.runs};"
              f" budget {BUDGET_S:.1f} s")
        build_probe_bundle(str(tmp / "task"), python_version=here, platform=local_platform())
        naive_bundle(tmp / "task-naive", python_version=here, platform=local_platform())
        pip("install", "--target", str(tmp / "runtime"), *RUNTIME_SDK)  # compiled, like a runtime install
        baseline = cold_runs_baseline(args.runs)
        with FakeBedrock() as fake:
            real = cold_runs([tmp / "task", tmp / "runtime"], fake, args.runs)
            naive = cold_runs([tmp / "task-naive"], fake, args.runs)
        # Cold start = interpreter start + module init + first invocation. The process wall
        # clock also includes interpreter teardown, which a Lambda cold start does not pay.
        print(f"interpreter start alone             {baseline:5.2f} s")
        for label, r in (("real bundle (SDK from 'runtime')", real), ("naive bundle (everything bundled)", naive)):
            cold = baseline + r["import_s"] + r["handler_s"]
            print(f"{label:36s}{cold:5.2f} s cold start (init {r['import_s']:.2f} s + handler {r['handler_s']:.2f} s;"
                  f" process wall incl. teardown {r['wall_s']:.2f} s)  {'OK' if cold <= BUDGET_S else 'OVER BUDGET'}")


def cold_runs_baseline(runs: int) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


if __name__ == "__main__":
    main()
