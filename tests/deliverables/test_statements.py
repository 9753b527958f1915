"""Statements the deliverables make about the system agree with the system: the calibration
method (the model card, training's default) and the drift job's cadence (template.yaml)."""

from __future__ import annotations

import inspect
import json
import re

import pytest

from credit_core.contracts import Calibration
from tests.deliverables.test_slides import PRESENTATION, _module

REPO = PRESENTATION.parents[1]
CADENCE = re.compile(r"\b(hourly|daily|weekly|monthly|every \d+ (?:hours|days))\b", re.I)
PROSE = ["README.md", "docs/architecture.md", "docs/drift.md", "docs/presentation/README.md"]


@pytest.fixture(scope="module")
def build():
    return _module("build_slides")


def test_the_drift_cadence_is_read_from_the_template(build, tmp_path):
    assert build.drift_cadence() == "daily"  # template.yaml: DriftSchedule default rate(1 day)
    stack = tmp_path / "template.yaml"
    stack.write_text(
        "Parameters:\n  DriftSchedule:\n    Type: String\n    Default: rate(7 days)\n"
        "    Description: x\n"
    )
    assert build.drift_cadence(stack) == "weekly"
    assert build.cadence("rate(3 days)") == "every 3 days"
    assert build.cadence("cron(0 6 * * ? *)") == "on the schedule `cron(0 6 * * ? *)`"


@pytest.mark.parametrize("path", PROSE)
def test_prose_about_the_drift_job_states_the_template_s_cadence(build, path):
    expected = build.drift_cadence()
    text = (REPO / path).read_text("utf-8")
    # a sentence (or a line of a code block) about the scheduled drift job; other cadences
    # (monthly outcome cohorts, say) are not the job's
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        lower = sentence.lower()
        if "drift" not in lower or not re.search(r"\b(job|schedul\w*|runs?)\b", lower):
            continue
        for word in CADENCE.findall(sentence):
            assert word.lower() == expected, f"{path}: {word!r} in {sentence[:200]!r}"


def test_the_slides_state_cadence_and_calibration_from_the_system_only(build):
    template = (PRESENTATION / "slides.md.j2").read_text("utf-8")
    assert not CADENCE.search(template), "a cadence typed in the slides: use {{ drift_cadence }}"
    assert template.count("{{ drift_cadence }}") >= 2
    assert "{{ calibration_statement }}" in template
    assert "out-of-fold scores" not in template and "out-of-fold raw" not in template


def test_every_calibration_method_training_can_write_has_its_statement(build):
    from credit_training import final_fit

    for method in final_fit.METHODS:
        text = build.calibration_statement(
            Calibration(method=method, a=1.0, b=0.0, calibration_rows=1234, fit_rows=9)
        )
        assert ("slice" in text) == (method == final_fit.SLICE)
    with pytest.raises(KeyError):
        build.calibration_statement(Calibration(method="isotonic_somewhere", a=1.0, b=0.0))


def test_the_notebook_describes_training_s_default_calibration(build):
    from credit_training import final_fit

    default = inspect.signature(final_fit.fit_final).parameters["method"].default
    assert default == final_fit.SLICE
    cells = json.loads((REPO / "notebooks" / "modelisation.ipynb").read_text("utf-8"))["cells"]
    prose = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "markdown" and "Platt" in "".join(c["source"])
    ]
    calibration = [p for p in prose if "calibration" in p.lower()]
    assert calibration, "the notebook no longer explains the calibration"
    for text in calibration:
        flat = " ".join(text.split())
        assert "calibration slice" in flat and "out-of-fold raw" not in flat, flat
