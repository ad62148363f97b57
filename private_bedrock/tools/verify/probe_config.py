"""What a probe function must be for its report to mean anything (pure; no AWS calls).

Lambda's UpdateFunctionConfiguration can change the runtime, handler, layers and role without
changing CodeSha256 (aws-facts.md, "Evidence"), and a layer or an AWS_ENDPOINT_URL_* variable
is enough to make a probe report whatever its author likes. So `make verify` compares every
field that changes what runs with the template, for the function and again for the version it
published, and compares the code with the locally built asset, file by file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any, Mapping

from private_bedrock.tools.prove.resolve import Symbols, resolve

# Lambda's values for properties a template leaves out (AWS::Lambda::Function reference).
DEFAULTS: dict[str, Any] = {"Architectures": ("x86_64",), "Timeout": 3, "MemorySize": 128, "PackageType": "Zip"}
# field -> why it matters, for the sentence that names a difference.
FIELDS = {
    "Runtime": "the interpreter",
    "Handler": "the entry point",
    "Layers": "code added to the function",
    "Role": "the identity its calls are made with",
    "SubnetIds": "where it runs (VPC subnets)",
    "SecurityGroupIds": "its network access (security groups)",
    "Architectures": "the instruction set",
    "KMSKeyArn": "the key of its environment",
    "PackageType": "how its code is packaged",
    "Timeout": "its deadline",
    "MemorySize": "its memory and CPU",
    "LogGroup": "where its report metrics go",
    "FileSystemConfigs": "file systems mounted into it",
}


def _sorted(values: Any) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in (values or ())))


def expected_config(props: Mapping[str, Any], symbols: Symbols, logical_id: str) -> dict[str, Any]:
    """The template's value of each field of FIELDS, ids resolved (ListStackResources)."""
    vpc = resolve(props.get("VpcConfig") or {}, symbols, logical_id)
    logging = resolve(props.get("LoggingConfig") or {}, symbols, logical_id)
    return {
        "Runtime": props.get("Runtime"),
        "Handler": props.get("Handler"),
        "Layers": _sorted(resolve(props.get("Layers") or [], symbols, logical_id)),
        "Role": resolve(props["Role"], symbols, logical_id),
        "SubnetIds": _sorted(vpc.get("SubnetIds")),
        "SecurityGroupIds": _sorted(vpc.get("SecurityGroupIds")),
        "Architectures": tuple(props.get("Architectures") or DEFAULTS["Architectures"]),
        "KMSKeyArn": resolve(props["KmsKeyArn"], symbols, logical_id) if "KmsKeyArn" in props else None,
        "PackageType": props.get("PackageType", DEFAULTS["PackageType"]),
        "Timeout": int(props.get("Timeout", DEFAULTS["Timeout"])),
        "MemorySize": int(props.get("MemorySize", DEFAULTS["MemorySize"])),
        # Without LoggingConfig Lambda writes to /aws/lambda/<function name>.
        "LogGroup": logging.get("LogGroup"),
        "FileSystemConfigs": _sorted(c.get("Arn") for c in resolve(props.get("FileSystemConfigs") or [], symbols, logical_id)),
    }


def deployed_config(conf: Mapping[str, Any]) -> dict[str, Any]:
    """The same fields from GetFunctionConfiguration or PublishVersion."""
    vpc = conf.get("VpcConfig") or {}
    return {
        "Runtime": conf.get("Runtime"),
        "Handler": conf.get("Handler"),
        "Layers": _sorted(layer.get("Arn") for layer in conf.get("Layers") or []),
        "Role": conf.get("Role"),
        "SubnetIds": _sorted(vpc.get("SubnetIds")),
        "SecurityGroupIds": _sorted(vpc.get("SecurityGroupIds")),
        "Architectures": tuple(conf.get("Architectures") or DEFAULTS["Architectures"]),
        "KMSKeyArn": conf.get("KMSKeyArn") or None,
        "PackageType": conf.get("PackageType", DEFAULTS["PackageType"]),
        "Timeout": conf.get("Timeout"),
        "MemorySize": conf.get("MemorySize"),
        "LogGroup": (conf.get("LoggingConfig") or {}).get("LogGroup"),
        "FileSystemConfigs": _sorted(c.get("Arn") for c in conf.get("FileSystemConfigs") or []),
    }


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "none"
    return "none" if value is None else repr(value)


def configuration_differences(what: str, expected: Mapping[str, Any], conf: Mapping[str, Any]) -> list[str]:
    """One sentence per field of the deployed configuration that is not the template's."""
    found = deployed_config(conf)
    if expected["LogGroup"] is None and found["LogGroup"] == f"/aws/lambda/{conf.get('FunctionName')}":
        found["LogGroup"] = None  # Lambda's default group, which the template left implicit
    return [
        f"{what}: {field} ({why}) is {_shown(found[field])}, the template says {_shown(expected[field])}"
        for field, why in FIELDS.items()
        if found[field] != expected[field]
    ]


def environment_differences(what: str, expected: Mapping[str, str], conf: Mapping[str, Any]) -> list[str]:
    """The environment must be exactly the template's: nothing added, missing or changed."""
    environment = conf.get("Environment") or {}
    # "When you use a customer managed key, only users in your account with access to the KMS
    # key can view or manage environment variables on the function" (Lambda developer guide,
    # "Securing Lambda environment variables", 2026-12); the answer then carries Error.
    if environment.get("Error"):
        err = environment["Error"]
        return [f"{what}: its environment cannot be read ({err.get('ErrorCode')}: {err.get('Message')}); "
                f"the caller needs kms:Decrypt on {conf.get('KMSKeyArn')} through Lambda (kms:ViaService)"]
    env = environment.get("Variables") or {}
    found = []
    for key in sorted(set(env) | set(expected)):
        if key.startswith("AWS_ENDPOINT_URL") and key in env:
            found.append(f"{what}: {key}={env[key]!r} redirects the SDK; the template sets no endpoint override")
        elif key not in env:
            found.append(f"{what}: environment variable {key} of the template is missing")
        elif key not in expected:
            found.append(f"{what}: environment variable {key}={env[key]!r} is not in the template")
        elif env[key] != expected[key]:
            found.append(f"{what}: {key} is {env[key]!r}, the template says {expected[key]!r}")
    return found


# ----------------------------------------------------------------------------- code


_ZIP_DIGESTS: dict[str, dict[str, str]] = {}


def zip_digests(body: bytes) -> dict[str, str]:
    """path -> SHA-256 of every file in a deployment package (directories left out).
    Remembered by the package's own SHA-256: a fleet verifies the same package many times."""
    key = hashlib.sha256(body).hexdigest()
    if key not in _ZIP_DIGESTS:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            _ZIP_DIGESTS[key] = {i.filename: hashlib.sha256(archive.read(i)).hexdigest() for i in archive.infolist() if not i.is_dir()}
    return _ZIP_DIGESTS[key]


@functools.lru_cache(maxsize=8)
def directory_digests(root: Path) -> dict[str, str]:
    """path -> SHA-256 of every file of a built asset (cdk.out/asset.<hash>), as zipped.
    Remembered per directory for the process: CDK names an asset directory by the hash of
    its content, and nothing in verify writes to it."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def code_differences(what: str, deployed: dict[str, str], local: dict[str, str], local_name: str) -> list[str]:
    """The deployed package against the local asset, by file content (a zip's bytes also
    depend on timestamps and compression, which say nothing about what runs)."""
    missing = sorted(set(local) - set(deployed))
    added = sorted(set(deployed) - set(local))
    changed = sorted(p for p in set(local) & set(deployed) if local[p] != deployed[p])
    if not (missing or added or changed):
        return []

    def some(paths: list[str]) -> str:
        return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")

    parts = [f"{len(changed)} changed ({some(changed)})" if changed else "",
             f"{len(added)} not in the asset ({some(added)})" if added else "",
             f"{len(missing)} missing ({some(missing)})" if missing else ""]
    return [f"{what}: its code is not the asset built in {local_name}: files {'; '.join(p for p in parts if p)}"]
