"""The workflows deploy only what CI tested on a push to main of this repository; actions are
pinned; jobs have least permissions and timeouts; AWS credentials come after the build."""

from __future__ import annotations

import copy
import re

import pytest

from tests.infra.cfn import ROOT, load_workflow
from tests.infra.expressions import condition, evaluate

DEPLOY = load_workflow("deploy.yml")
CI = load_workflow("ci.yml")
RETRAIN = load_workflow("retrain.yml")
REPO = "pret-a-depenser/credit-scoring"
TESTED = "1" * 40
OTHER = "2" * 40


def workflow_run(**overrides) -> dict:
    run = {
        "conclusion": "success",
        "event": "push",
        "head_branch": "main",
        "head_sha": TESTED,
        "head_repository": {"full_name": REPO},
    }
    for key, value in overrides.items():
        if key == "head_repository":
            run["head_repository"] = {"full_name": value}
        else:
            run[key] = value
    return {
        "github": {
            "event_name": "workflow_run",
            "repository": REPO,
            "ref": "refs/heads/main",
            "sha": OTHER,  # workflow_run runs on the default branch's latest commit
            "event": {"workflow_run": run},
        },
        "inputs": {},
        "vars": {},
    }


def dispatch(ref: str, event: str = "workflow_dispatch") -> dict:
    return {
        "github": {"event_name": event, "repository": REPO, "ref": ref, "sha": TESTED, "event": {}},
        "inputs": {},
        "vars": {},
    }


def deploy_job() -> dict:
    (job,) = DEPLOY["jobs"].values()
    return job


@pytest.mark.parametrize(
    ("context", "deploys"),
    [
        (workflow_run(), True),
        (workflow_run(head_repository="someone/credit-scoring"), False),  # a fork's "main"
        (workflow_run(event="pull_request"), False),
        (workflow_run(event="pull_request_target"), False),
        (workflow_run(conclusion="failure"), False),
        (workflow_run(conclusion="cancelled"), False),
        (workflow_run(head_branch="feature"), False),
        (dispatch("refs/heads/main"), True),
        (dispatch("refs/heads/feature"), False),
        (dispatch("refs/tags/v1"), False),
        (dispatch("refs/heads/main", event="push"), False),
    ],
    ids=[
        "tested-push-to-main",
        "fork-main",
        "pull-request",
        "pull-request-target",
        "ci-failed",
        "ci-cancelled",
        "other-branch",
        "dispatch-main",
        "dispatch-branch",
        "dispatch-tag",
        "push-event",
    ],
)
def test_deploy_runs_only_for_a_tested_push_to_main_of_this_repository(context, deploys):
    assert condition(deploy_job()["if"], context) is deploys


def test_deploy_checks_out_exactly_the_commit_ci_tested():
    (checkout,) = [
        s for s in deploy_job()["steps"] if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert evaluate(checkout["with"]["ref"], workflow_run()) == TESTED
    assert evaluate(checkout["with"]["ref"], dispatch("refs/heads/main")) == TESTED
    assert str(checkout["with"]["persist-credentials"]).lower() == "false"


def test_deploy_is_triggered_by_ci_on_main_only():
    trigger = DEPLOY["on"]["workflow_run"]
    assert trigger == {"workflows": [CI["name"]], "types": ["completed"], "branches": ["main"]}
    assert set(DEPLOY["on"]) == {"workflow_run", "workflow_dispatch", "workflow_call"}
    assert not (DEPLOY["on"]["workflow_dispatch"] or {}).get("inputs")


def test_the_condition_evaluator_is_not_vacuous():
    context = workflow_run()
    assert condition(
        "github.event_name == 'workflow_run' && !(github.ref != 'refs/heads/MAIN')", context
    )
    assert not condition("github.event.workflow_run.conclusion == 'failure' || ''", context)
    broken = copy.deepcopy(deploy_job()["if"]).replace("github.repository", "'someone/else'")
    assert not condition(broken, context)


def test_build_comes_before_aws_credentials_and_no_static_keys_exist():
    steps = deploy_job()["steps"]
    names = [s.get("uses", "") + s.get("run", "") for s in steps]
    credentials = next(i for i, n in enumerate(names) if "configure-aws-credentials" in n)
    for build in ("make install", "make package", "build --template"):
        assert next(i for i, n in enumerate(names) if build in n) < credentials, build
    for name in ("ci.yml", "deploy.yml", "retrain.yml"):
        text = (ROOT / ".github/workflows" / name).read_text()
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text


def test_every_action_is_pinned_to_a_commit_with_its_tag():
    for path in (ROOT / ".github/workflows").glob("*.yml"):
        for line in path.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)(.*)", line)
            if not match or match.group(1).startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", match.group(1)), line
            assert re.fullmatch(r"\s*#\s*v\d+(\.\d+)*", match.group(2)), line


def jobs():
    for workflow in (CI, DEPLOY, RETRAIN):
        for name, job in workflow["jobs"].items():
            yield workflow, name, job


def test_jobs_have_timeouts_and_least_permissions():
    for workflow, name, job in jobs():
        top = workflow["permissions"]
        assert top in ({}, {"contents": "read"}), workflow["name"]
        if "uses" in job:  # a reusable workflow call: its jobs carry their own
            continue
        assert job["timeout-minutes"] <= 120, name
        permissions = job.get("permissions", top)
        assert set(permissions.values()) <= {"read", "write"}
        writes = {k for k, v in permissions.items() if v == "write"}
        assert writes <= {"id-token"}, name
        if writes:  # only jobs gated by the environment the AWS role trusts
            assert job["environment"] == "production", name


def test_ci_runs_the_same_command_as_local():
    (job,) = CI["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    assert "make test" in runs
    assert set(CI["on"]) == {"push", "pull_request"}


def test_retraining_deploys_only_a_new_champion_and_only_from_main():
    train, deploy = RETRAIN["jobs"]["train"], RETRAIN["jobs"]["deploy"]
    assert condition(train["if"], dispatch("refs/heads/main"))
    assert not condition(train["if"], dispatch("refs/heads/feature"))
    assert deploy["uses"] == "./.github/workflows/deploy.yml"
    assert condition(deploy["if"], {"needs": {"train": {"outputs": {"promoted": "true"}}}})
    assert not condition(deploy["if"], {"needs": {"train": {"outputs": {"promoted": "false"}}}})
    # the called deploy accepts the retraining's events on main only
    assert condition(deploy_job()["if"], dispatch("refs/heads/main", "repository_dispatch"))
    assert not condition(deploy_job()["if"], dispatch("refs/heads/x", "repository_dispatch"))
    assert not any("credit export" in s.get("run", "") for s in train["steps"])


def test_deploy_publishes_a_champion_only_when_its_version_is_missing():
    script = (ROOT / "infra/deploy.sh").read_text()
    export = script.index("credit export --to")
    assert script.rindex("checksums.json", 0, export) < export  # looked for before exporting
    assert "set -euo pipefail" in script


def all_steps():
    for workflow in (CI, DEPLOY, RETRAIN):
        for name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                yield workflow["name"], name, step


def test_no_workflow_interpolates_an_expression_into_a_run_script():
    # `${{ }}` in `run:` is pasted into the script before the shell sees it (injection); values
    # go through `env:` and are read as "$VAR"
    runs = 0
    for workflow, job, step in all_steps():
        if "run" in step:
            runs += 1
            assert "${{" not in step["run"], (workflow, job, step.get("name"))
    assert runs >= 8
    (build,) = [s for s in deploy_job()["steps"] if "validate --lint" in s.get("run", "")]
    assert build["env"]["AWS_REGION"] == "${{ vars.AWS_REGION }}"
    assert '--region "$AWS_REGION"' in build["run"]


def step_named(job: dict, fragment: str) -> tuple[int, dict]:
    (found,) = [(i, s) for i, s in enumerate(job["steps"]) if fragment in s.get("name", "")]
    return found


def test_a_production_deploy_needs_an_approver_and_records_who():
    job = deploy_job()
    assert job["environment"] == "production"  # required reviewers: README "Deploying"
    assert job["permissions"]["actions"] == "read"  # to read the run's approvals
    index, approval = step_named(job, "Who approved")
    assert "/approvals" in approval["run"] and 'select(.state == "approved")' in approval["run"]
    assert '.name == "production"' in approval["run"]
    assert "exit 2" in approval["run"]  # nobody approved: the job stops
    assert approval["env"]["GH_TOKEN"] == "${{ github.token }}"
    deploy_index, deploy = step_named(job, "sam deploy")
    credentials = next(
        i for i, s in enumerate(job["steps"]) if "configure-aws-credentials" in s.get("uses", "")
    )
    assert index < credentials < deploy_index
    assert deploy["env"]["APPROVED_BY"] == f"${{{{ steps.{approval['id']}.outputs.approved_by }}}}"
    assert deploy["env"]["PERMISSIONS_BOUNDARY_ARN"] == "${{ vars.PERMISSIONS_BOUNDARY_ARN }}"
    assert deploy["env"]["DEPLOY_ROLE_ARN"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    script = (ROOT / "infra/deploy.sh").read_text()
    assert '"${APPROVED_BY:?}"' in script and "infra/deploy_record.py" in script
    assert '--approved-by "$APPROVED_BY"' in script


def test_retraining_deploys_through_the_approved_production_job_only():
    train, deploy = RETRAIN["jobs"]["train"], RETRAIN["jobs"]["deploy"]
    assert train["environment"] == "production"
    assert deploy["uses"] == "./.github/workflows/deploy.yml"
    assert deploy["permissions"]["actions"] == "read"  # what the called job asks for
    assert not any(
        "sam deploy" in s.get("run", "") or "deploy.sh" in s.get("run", "") for s in train["steps"]
    )
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"Required\s+reviewers", readme)
