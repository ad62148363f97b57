"""checkov, cfn-lint and cfn-guard (AWS Control Tower proactive controls) on every template the
tests synthesize: zero findings, every exception written once in code with its reason.

The templates are the syntheses other tests already make (tests/run_once.py shares them across
workers): the default configuration (the CLI synth, as `make synth` builds it), the test-owned
configurations of the IAM matrix, hub, spoke, existing VPC, fence, the fleet (administrator
stacks and each StackSet's member template) and the audit trail. Each distinct template is
written once and each scanner runs once over all of them, the three in parallel.

A deliberately loosened copy of the default us-east-1 template rides along in every run, to
prove each scanner still reports: a misspelled endpoint type (cfn-lint), the control probe
without its checkov skip or guard suppression, the log key without its grant Deny (cfn-guard).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_REGIONS, ROOT, assembly_templates
from tests.run_once import value_once
from private_bedrock.tools.dev import cfn_guard

CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"
CFNLINTRC = ROOT / ".cfnlintrc"
BROKEN = "Broken--PrivateBedrock-us-east-1.template.json"
REGION_SUFFIX = re.compile(r"-([a-z]{2}(?:-[a-z]+)+-\d)$")
# Stacks without a region in their name: the fence (Organizations) and the fleet's
# administrator stack are deployed in us-east-1 by the tests' configurations.
HOME_REGION = "us-east-1"
SCAN_TIMEOUT = 900


def checkov_binary() -> Path | None:
    """checkov's own virtualenv (make setup-dev), here or next to the shared .venv, or PATH."""
    candidates = [os.environ.get("CHECKOV", ""), ROOT / ".venv-checkov/bin/checkov",
                  (ROOT / ".venv").resolve().parent / ".venv-checkov/bin/checkov", shutil.which("checkov") or ""]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def _missing(what: str) -> None:
    if os.environ.get("REQUIRE_CHECKOV"):
        pytest.fail(f"{what} is not installed; run `make setup-dev`.")
    pytest.skip(f"{what} is not installed here (make setup-dev installs it; make test requires it)")


@pytest.fixture(scope="module")
def scanned(cdk_out: Path, configuration_templates, hub_template, spoke_template, existing_vpc_template,
            fenced_out: Path, fleet_assembly, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """file name -> template: every configuration's templates, each distinct one once."""
    from tests.security.test_monitoring_template import ALL_ON
    from tests.conftest import synth_in_process

    configs: dict[str, dict[str, dict]] = {
        "default": {f"PrivateBedrock-{r}": json.loads((cdk_out / f"PrivateBedrock-{r}.template.json").read_text()) for r in DEFAULT_REGIONS},
        **{name: {f"PrivateBedrock-{r}": t for r, t in by_region.items()} for name, by_region in configuration_templates.items()},
        "hub": {"PrivateBedrock-us-east-1": hub_template},
        "spoke": {"PrivateBedrock-us-east-1": spoke_template},
        "existing-vpc": {"PrivateBedrock-us-east-1": existing_vpc_template},
        "fence": assembly_templates(fenced_out),
        "fleet": fleet_assembly,
        "audit-trail": value_once(tmp_path_factory, "all-on", lambda: synth_in_process(ALL_ON)),
    }
    out: dict[str, dict] = {}
    seen: set[str] = set()
    for config, stacks in configs.items():
        for stack, template in stacks.items():
            digest = hashlib.sha256(json.dumps(_without_cli_metadata(template), sort_keys=True).encode()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                out[f"{config}--{stack}.template.json"] = template
    return out


def _without_cli_metadata(template: dict) -> dict:
    """The template as an in-process synth writes it: without the CLI's metadata (path, asset
    paths) and CDKMetadata resource, so a configuration synthesized both ways is scanned once."""
    t = copy.deepcopy(template)
    t["Resources"] = {lid: r for lid, r in t["Resources"].items() if r["Type"] != "AWS::CDK::Metadata"}
    for r in t["Resources"].values():
        for key in [k for k in r.get("Metadata", {}) if k.startswith("aws:")]:
            del r["Metadata"][key]
        if r.get("Metadata") == {}:
            del r["Metadata"]
    return t


def _broken(template: dict) -> dict:
    t = copy.deepcopy(template)
    resources = t["Resources"]
    endpoint = next(r for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint")
    endpoint["Properties"]["VpcEndpointType"] = "Interfase"
    (control,) = [r for lid, r in resources.items() if lid.startswith("ProbeOutsideVpc") and r["Type"] == "AWS::Lambda::Function"]
    control["Metadata"]["checkov"]["skip"] = [s for s in control["Metadata"]["checkov"]["skip"] if s["id"] != "CKV_AWS_117"]
    del control["Metadata"]["guard"]
    (key,) = [r for lid, r in resources.items() if lid.startswith("LogKey") and r["Type"] == "AWS::KMS::Key"]
    key["Properties"]["KeyPolicy"]["Statement"] = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") != "DenyGrantsNotForAWSResources"]
    return t


def region_of(file_name: str) -> str:
    m = REGION_SUFFIX.search(file_name.removesuffix(".template.json"))
    return m.group(1) if m else HOME_REGION


@dataclass
class Scan:
    folder: Path
    files: list[Path]
    checkov: list[dict]
    cfn_lint: dict[str, list[str]]  # file name -> parseable findings
    guard: list[cfn_guard.Finding]
    seconds: float  # wall clock
    cpu_seconds: float  # of the scanner processes together


# I1022 (prefer Fn::Sub to an empty-delimiter Fn::Join) is a rule cfn-lint itself skips for
# templates it recognises as CDK's by their aws:cdk:path metadata; only the CLI adds that
# metadata, so for the in-process syntheses it is said here. (--ignore-checks replaces the
# configuration file's list, so that list is repeated.)
CDK_SKIPPED_BY_CFN_LINT = ("I1022",)


def _cfn_lint(region: str, files: list[Path]) -> subprocess.Popen[str]:
    import yaml

    ignored = [*yaml.safe_load(CFNLINTRC.read_text()).get("ignore_checks", []), *CDK_SKIPPED_BY_CFN_LINT]
    args = [str(CFN_LINT), "--config-file", str(CFNLINTRC), "--regions", region, "--include-checks", "I", "--ignore-checks", *ignored, "--format", "parseable", "--", *map(str, files)]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def scan(scanned: dict[str, dict], tmp_path_factory: pytest.TempPathFactory) -> Scan:
    import time

    binary = checkov_binary()
    if binary is None:
        _missing("checkov")
    try:
        cfn_guard.binary()
    except cfn_guard.GuardMissing:
        _missing("cfn-guard (guard/package.json)")
    folder = tmp_path_factory.mktemp("scanned")
    templates = {**scanned, BROKEN: _broken(scanned["default--PrivateBedrock-us-east-1.template.json"])}
    files = []
    for name, template in templates.items():
        (folder / name).write_text(json.dumps(template, indent=1))
        files.append(folder / name)
    started, cpu = time.monotonic(), _children_cpu()
    by_region: dict[str, list[Path]] = {}
    for f in files:
        by_region.setdefault(region_of(f.name), []).append(f)
    checkov_args = [str(binary), "--framework", "cloudformation", "--compact", "--skip-download", "-o", "json", "-d", str(folder)]
    runs = {
        "checkov": subprocess.Popen(checkov_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}),
        "guard": cfn_guard.start(files),
        **{f"cfn-lint {r}": _cfn_lint(r, fs) for r, fs in sorted(by_region.items())},
    }
    # Generous timeouts: together about 35 s of CPU, but a shared machine can be far slower.
    try:
        guard = cfn_guard.finish(runs["guard"], files, timeout=SCAN_TIMEOUT)
        stdout, stderr = runs["checkov"].communicate(timeout=SCAN_TIMEOUT)
        assert stdout.strip(), f"checkov printed nothing: {stderr[-2000:]}"
        checkov = json.loads(stdout)
        lint: dict[str, list[str]] = {}
        for name, run in runs.items():
            if not name.startswith("cfn-lint"):
                continue
            out, err = run.communicate(timeout=SCAN_TIMEOUT)
            # Exit codes are a bit mask of error(2)/warning(4)/informational(8); 1 is a crash.
            assert run.returncode in (0, 2, 4, 6, 8, 10, 12, 14), f"{name} crashed ({run.returncode}):\n{err}"
            for line in out.splitlines():
                lint.setdefault(Path(line.split(":", 1)[0]).name, []).append(line)
    finally:
        for run in runs.values():  # none left behind when one fails or times out
            if run.poll() is None:
                run.kill()
                run.communicate()
    return Scan(folder, files, checkov if isinstance(checkov, list) else [checkov], lint, guard, time.monotonic() - started, _children_cpu() - cpu)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_every_configuration_is_scanned(scanned: dict[str, dict]) -> None:
    configs = {name.split("--", 1)[0] for name in scanned}
    assert configs >= {"default", "hub", "spoke", "existing-vpc", "fence", "fleet", "audit-trail", "optional-features", "deny-mode"}, configs
    stacks = {name.split("--", 1)[1].removesuffix(".template.json") for name in scanned}
    # The fleet: the administrator's stacks and the StackSets' member templates.
    assert {"PrivateBedrockFleet", "PrivateBedrockFleetAssets-us-east-1", "Member-us-east-1", "Member-ap-northeast-1", "PrivateBedrockFence"} <= stacks
    assert len(scanned) >= 15


# ----------------------------------------------------------------------------- checkov


def _checkov_report(scan: Scan) -> dict:
    (report,) = [r for r in scan.checkov if r.get("check_type") == "cloudformation"]
    return report


def _checkov_failed(scan: Scan) -> list[tuple[str, str, str]]:
    return [(Path(c["file_path"]).name, c["check_id"], c["resource"]) for c in _checkov_report(scan)["results"].get("failed_checks", [])]


def test_checkov_finds_nothing_unexplained(scan: Scan) -> None:
    failed = [f for f in _checkov_failed(scan) if f[0] != BROKEN]
    assert not failed, "checkov findings:\n" + "\n".join(map(str, failed))


# Resource types checkov has no check for: a template of only these passes nothing.
UNCHECKED_BY_CHECKOV = {"AWS::Organizations::Policy", "AWS::CDK::Metadata"}


def test_checkov_ran_its_checks_on_every_template(scan: Scan) -> None:
    report = _checkov_report(scan)
    assert report["summary"]["parsing_errors"] == 0
    files = {Path(c["file_path"]).name for c in report["results"]["passed_checks"]}
    checkable = {f.name for f in scan.files if {r["Type"] for r in scan_resources(scan, f.name).values()} - UNCHECKED_BY_CHECKOV}
    assert files == checkable and len(checkable) >= len(scan.files) - 1


def test_checkov_still_reports_a_removed_skip(scan: Scan) -> None:
    assert [f[1:] for f in _checkov_failed(scan) if f[0] == BROKEN] == [
        ("CKV_AWS_117", next(f"AWS::Lambda::Function.{lid}" for lid, r in scan_resources(scan, BROKEN).items() if lid.startswith("ProbeOutsideVpc") and r["Type"] == "AWS::Lambda::Function"))
    ]


def scan_resources(scan: Scan, name: str) -> dict[str, Any]:
    return json.loads((scan.folder / name).read_text())["Resources"]


def test_every_checkov_skip_carries_its_reason(scan: Scan, scanned: dict[str, dict]) -> None:
    skipped = [c for r in scan.checkov for c in r["results"].get("skipped_checks", [])]
    assert skipped
    for c in skipped:
        assert len(c["check_result"].get("suppress_comment", "")) > 30, c["check_id"]
    for name, t in scanned.items():
        for lid, r in t["Resources"].items():
            for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip["id"].startswith("CKV_") and skip["comment"].endswith("."), (name, lid)


# ----------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_is_clean(scan: Scan) -> None:
    findings = [line for name, lines in scan.cfn_lint.items() if name != BROKEN for line in lines]
    assert not findings, "cfn-lint findings:\n" + "\n".join(findings)


def test_cfn_lint_checks_each_template_in_its_region() -> None:
    assert region_of("fleet--Member-ap-northeast-1.template.json") == "ap-northeast-1"
    assert region_of("optional-features--PrivateBedrock-us-west-2.template.json") == "us-west-2"
    assert region_of("fence--PrivateBedrockFence.template.json") == HOME_REGION


def test_cfn_lint_still_reports_a_broken_template(scan: Scan) -> None:
    findings = scan.cfn_lint.get(BROKEN, [])
    assert any("Interfase" in f and re.search(r":E\d{4}:", f) for f in findings), findings


def test_every_cfn_lint_ignore_has_a_written_reason() -> None:
    import yaml

    text = CFNLINTRC.read_text()
    config = yaml.safe_load(text)
    assert set(config) <= {"ignore_checks", "include_checks", "regions", "templates", "ignore_templates", "configure_rules"}
    lines = text.splitlines()
    for rule in config.get("ignore_checks", []):
        at = next(i for i, line in enumerate(lines) if line.strip() == f"- {rule}")
        comment = []
        for line in reversed(lines[:at]):
            if not line.strip().startswith("#"):
                break
            comment.append(line)
        assert rule in " ".join(comment) and len(" ".join(comment)) > 80, f"{rule} is ignored without a written reason above it"


# ----------------------------------------------------------------------------- cfn-guard


def test_control_tower_rules_find_nothing_unacknowledged(scan: Scan) -> None:
    failed = [str(f) for f in scan.guard if not f.suppressed and f.template != BROKEN]
    assert not failed, "cfn-guard (Control Tower) findings:\n" + "\n".join(failed)


def test_cfn_guard_still_reports_a_removed_suppression_and_a_missing_deny(scan: Scan) -> None:
    broken = {(f.control, f.rule, f.resource[:15]) for f in scan.guard if f.template == BROKEN and not f.suppressed}
    assert broken == {("CT.LAMBDA.PR.3", "lambda_inside_vpc_check", "ProbeOutsideVpc"), ("CT.KMS.PR.3", "kms_create_grant_aws_service_check", "LogKeyE83D0C1B")}


def test_every_guard_suppression_is_used_and_carries_its_reason(scan: Scan, scanned: dict[str, dict]) -> None:
    """Each SuppressedRules entry answers a real finding (no blanket suppressions), with a sentence."""
    used = {(f.template, f.resource, f.rule) for f in scan.guard if f.suppressed and f.template != BROKEN}
    written = set()
    for name, t in scanned.items():
        for lid, r in t["Resources"].items():
            guard = r.get("Metadata", {}).get("guard", {})
            assert set(guard.get("SuppressedRules", [])) == set(guard.get("Reasons", {})), (name, lid)
            for rule, reason in guard.get("Reasons", {}).items():
                assert len(reason) > 30 and reason.endswith("."), (name, lid, rule)
                written.add((name, lid, rule))
    assert written and written == used, sorted(written ^ used)


def test_every_guard_suppression_is_listed_in_the_docs(scan: Scan) -> None:
    docs = (ROOT / "docs" / "internals.md").read_text()
    for f in scan.guard:
        if f.suppressed:
            assert f.rule in docs and f.control in docs, f"{f.control} {f.rule} is suppressed but not listed in docs/internals.md"


def test_every_rule_file_is_selected_for_the_types_it_names() -> None:
    """The runner skips rule files naming no type present; a file naming none would never run."""
    everything = cfn_guard.rule_files()
    assert len(everything) >= 200
    assert cfn_guard.rule_files({"AWS::KMS::Key"}) and set(cfn_guard.rule_files({"AWS::KMS::Key"})) < set(everything)
    assert cfn_guard.rule_files(set()) == []


def test_the_scan_time_is_reported(scan: Scan, record_property) -> None:
    record_property("scanners_seconds", round(scan.seconds, 1))
    record_property("scanners_cpu_seconds", round(scan.cpu_seconds, 1))
    assert scan.cpu_seconds > 0
