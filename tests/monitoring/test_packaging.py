"""The drift Lambda image installs exactly the lock file's `drift` group (Docker does not run
here: the Dockerfile and its requirements are checked as text)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "monitoring" / "Dockerfile"
REQUIREMENTS = REPO / "monitoring" / "requirements.txt"
EXPORT = ["export", "--locked", "--only-group", "drift", "--no-emit-project"]


def _uv() -> str:
    local = REPO / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if found is None:
        pytest.fail("uv not found (make install bootstraps it into .tools/)")
    return found


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, flags=re.MULTILINE))


def _hashes(text: str) -> set[str]:
    return set(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))


def test_requirements_match_the_lock_file():
    # Given the lock file's drift group exported now
    exported = subprocess.run(
        [_uv(), *EXPORT, "--format", "requirements-txt"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = REQUIREMENTS.read_text()
    # Then the committed install list has the same pins and hashes
    assert _pins(committed) == _pins(exported), "run `make drift-requirements`"
    assert _hashes(committed) == _hashes(exported), "run `make drift-requirements`"
    assert {"evidently", "pandas", "lightgbm", "aws-lambda-powertools"} <= set(_pins(committed))


def test_drift_group_covers_what_the_package_imports():
    # every third-party import of credit_core + credit_monitoring is in the drift group
    groups = tomllib.loads((REPO / "pyproject.toml").read_text())["dependency-groups"]["drift"]
    declared = {re.split(r"[<>=\[ ]", g)[0].lower() for g in groups}
    imported = set()
    for folder in (REPO / "lambda" / "credit_core", REPO / "monitoring" / "credit_monitoring"):
        for path in folder.glob("*.py"):
            imported |= {
                a or b
                for a, b in re.findall(
                    r"^\s*(?:from ([a-z_0-9]+)\S* import|import ([a-z_0-9]+))",
                    path.read_text(),
                    re.MULTILINE,
                )
            }
    stdlib = set(__import__("sys").stdlib_module_names) | {"credit_core", "credit_monitoring"}
    # tqdm: only `credit traffic` (a workstation command) uses it
    names = {"aws_lambda_powertools": "aws-lambda-powertools", "botocore": "boto3", "tqdm": None}
    needed = {names.get(m, m) for m in imported - stdlib} - {None}
    assert needed <= declared, f"missing from the drift group: {needed - declared}"


def test_dockerfile_is_pinned_and_installs_only_the_locked_list():
    text = DOCKERFILE.read_text()
    (platform, base) = re.findall(r"^FROM --platform=(\S+) (\S+)", text, flags=re.MULTILINE)[0]
    assert len(re.findall(r"^FROM ", text, flags=re.MULTILINE)) == 1
    # the Lambda Python 3.12 base image by digest: a tag, even a dated one, can be moved
    assert re.fullmatch(r"public\.ecr\.aws/lambda/python:3\.12[\w.-]*@sha256:[0-9a-f]{64}", base)
    # the architecture the template deploys the drift function on
    template = (REPO / "template.yaml").read_text()
    drift = template[template.index("  DriftFunction:\n") :]
    (arch,) = re.findall(r"Architectures: \[(\w+)\]", drift)[:1]
    assert platform == {"x86_64": "linux/amd64", "arm64": "linux/arm64"}[arch]
    installs = re.findall(r"pip install(?:[^\n\\]|\\\n)*", text)
    assert len(installs) == 1
    assert "--require-hashes" in installs[0] and "-r /tmp/requirements.txt" in installs[0]
    assert "COPY monitoring/requirements.txt /tmp/requirements.txt" in text
    assert 'CMD ["credit_monitoring.handler.handler"]' in text
    for package in ("lambda/credit_core", "monitoring/credit_monitoring"):
        assert f"COPY {package} " in text
