"""AWS Control Tower proactive controls (cfn-guard rules) over synthesized templates.

Usage: python -m private_bedrock.tools.dev.cfn_guard [cdk.out | template.json ...]   (exit 1 on any finding)

The rules and the cfn-guard binary come from the npm package @cdklabs/cdk-validator-cfnguard
(pinned in guard/package.json; `make setup-dev` installs it into guard/node_modules), which
CDK's policy-validation plugin runs the same way: `cfn-guard validate --structured` with the
package's rules/control-tower/cfn-guard tree. Nothing is fetched at run time.

Exceptions: the Control Tower rules do not read any suppression themselves, so this runner
applies the convention of the AWS Guard Rules Registry: a failing rule is acknowledged on the
resource it reports, in `Metadata.guard.SuppressedRules` (rule names as cfn-guard reports
them), with the reason beside it in `Metadata.guard.Reasons` (private_bedrock/security/nag.py writes
both). A suppressed finding is still returned, marked, so a test can list them.

Speed: cfn-guard evaluates every rule file against every template (about 2 s a template for
the 237 files). A rule file whose text names no resource type present in the templates can
only SKIP, so only the files naming a present type run (about 0.3 s a template); each file
names the types it reports on in its header, and `rule_files` refuses a file that names none.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_PATH = Path("guard") / "node_modules" / "@cdklabs" / "cdk-validator-cfnguard"
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")
RESOURCE_PATH = re.compile(r"/Resources/([A-Za-z0-9]+)")


class GuardMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Finding:
    template: str  # file name
    rule: str  # the guard rule's name, as SuppressedRules names it
    control: str  # the Control Tower control id (CT.KMS.PR.3), or "" if the message has none
    resource: str  # logical id ("" when the rule names no resource)
    reason: str = ""  # the acknowledgment's reason when suppressed

    @property
    def suppressed(self) -> bool:
        return bool(self.reason)

    def __str__(self) -> str:
        return f"{self.template}: {self.resource or '(template)'}: [{self.control or '?'} {self.rule}]"


def package_dir() -> Path:
    """The installed package: this checkout's (make setup-dev), or the one next to a shared .venv."""
    for base in (ROOT, (ROOT / ".venv").resolve().parent):
        if (base / PACKAGE_PATH / "rules" / "control-tower" / "cfn-guard").is_dir():
            return base / PACKAGE_PATH
    raise GuardMissing(f"{ROOT / PACKAGE_PATH} is not installed; run `make setup-dev` (it installs guard/package.json)")


def binary() -> Path:
    """The cfn-guard build the package ships for this machine (the plugin's own choice)."""
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(platform.machine().lower())
    if system is None or arch is None:
        raise GuardMissing(f"the cfn-guard package ships no binary for {platform.system()} {platform.machine()}")
    path = package_dir() / "bin" / system / arch / "cfn-guard"
    if not os.access(path, os.X_OK):
        raise GuardMissing(f"{path} is missing or not executable")
    return path


def version() -> str:
    return json.loads((package_dir() / "guard-version.json").read_text())["version"]


@lru_cache(maxsize=None)
def _rule_types() -> dict[Path, frozenset[str]]:
    out = {}
    for path in sorted((package_dir() / "rules" / "control-tower" / "cfn-guard").rglob("*.guard")):
        types = frozenset(RESOURCE_TYPE.findall(path.read_text()))
        if not types:
            raise RuntimeError(f"{path.name} names no resource type; the selection in private_bedrock/tools/dev/cfn_guard.py would never run it")
        out[path] = types
    return out


def rule_files(resource_types: Iterable[str] | None = None) -> list[Path]:
    """Every Control Tower rule file, or those naming one of `resource_types`."""
    rules = _rule_types()
    if resource_types is None:
        return list(rules)
    wanted = set(resource_types)
    return [p for p, types in rules.items() if types & wanted]


def _templates(paths: Sequence[Path]) -> dict[str, Mapping[str, Any]]:
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError("template file names must be distinct (findings are reported by file name)")
    return {p.name: json.loads(p.read_text()) for p in paths}


def _suppression(template: Mapping[str, Any], resource: str, rule: str) -> str:
    guard = template.get("Resources", {}).get(resource, {}).get("Metadata", {}).get("guard", {})
    if rule not in guard.get("SuppressedRules", []):
        return ""
    return guard.get("Reasons", {}).get(rule) or "(no reason written)"


def findings_from_output(output: Any, templates: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """cfn-guard's `--structured` JSON (one entry per data file) as findings per resource."""
    out: list[Finding] = []
    for result in output:
        name = Path(result["name"]).name
        template = templates[name]
        for entry in result.get("not_compliant") or []:
            rule = entry["Rule"]
            text = json.dumps(rule)
            control = CONTROL_ID.search(text)
            resources = sorted(set(RESOURCE_PATH.findall(text)) & set(template.get("Resources", {}))) or [""]
            for resource in resources:
                out.append(Finding(name, rule["name"], control.group(1) if control else "", resource, _suppression(template, resource, rule["name"])))
    return sorted(set(out), key=lambda f: (f.template, f.resource, f.rule))


def start(paths: Sequence[Path]) -> subprocess.Popen[str]:
    """cfn-guard over `paths` in the background (collect with `finish`)."""
    types = {r.get("Type", "") for t in _templates(paths).values() for r in t.get("Resources", {}).values()}
    args = [str(binary()), "validate"]
    for rule in rule_files(types):
        args += ["--rules", str(rule)]
    for path in paths:
        args += ["--data", str(path)]
    args += ["--output-format", "json", "--show-summary", "none", "--structured"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(run: subprocess.Popen[str], paths: Sequence[Path], timeout: float = 300) -> list[Finding]:
    stdout, stderr = run.communicate(timeout=timeout)
    # 0: all compliant, 19: some rule failed; anything else is an error of the run itself.
    if run.returncode not in (0, 19) or not stdout.strip():
        raise RuntimeError(f"cfn-guard failed (exit {run.returncode}): {stderr[-2000:]}")
    return findings_from_output(json.loads(stdout), _templates(paths))


def scan(paths: Sequence[Path]) -> list[Finding]:
    return finish(start(paths), paths)


def _paths(args: Sequence[str]) -> list[Path]:
    if len(args) == 1 and Path(args[0]).is_dir():
        from private_bedrock.tools.report.assembly import stacks

        return [s.template_path for s in stacks(Path(args[0]))]
    return [Path(a) for a in args]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        paths = _paths(args or ["cdk.out"])
        findings = scan(paths)
    except (GuardMissing, FileNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    failed = [f for f in findings if not f.suppressed]
    for f in findings:
        print(f"{f}  suppressed: {f.reason}" if f.suppressed else f)
    print(f"cfn-guard {version()}, Control Tower rules: {len(paths)} template(s), {len(failed)} finding(s), {len(findings) - len(failed)} acknowledged")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
