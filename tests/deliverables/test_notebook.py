"""The modelling notebook: committed without outputs, and it runs top to bottom on a small twin."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "modelisation.ipynb"


def test_committed_notebook_has_no_outputs():
    # Given the notebook as committed
    nb = json.loads(NOTEBOOK.read_text("utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    # Then no code cell carries outputs or an execution count (nbstripout keeps diffs reviewable)
    assert code, "the notebook has no code cell"
    assert [c for c in code if c["outputs"] or c["execution_count"] is not None] == []
    assert "widgets" not in nb["metadata"]


def test_committed_notebook_is_what_nbstripout_leaves():
    # nbstripout --verify exits 1 when stripping would change the file (outputs, counts, ids)
    done = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", str(NOTEBOOK)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_notebook_cells_use_the_project_functions():
    # The modelling story is told with the pipeline's own functions, not copies of them
    source = "\n".join(
        "".join(c["source"]) for c in json.loads(NOTEBOOK.read_text("utf-8"))["cells"]
    )
    for name in (
        "load_application",
        "run_training",
        "cost_curve",
        "export_bundle",
        "load_bundle",
        "feature_matrix",
        "shap_values",
        ".contributions(",
    ):
        assert name in source, name
    assert not re.search(r"^\s*def (business_cost|cost_curve|best_threshold)\b", source, re.M)


def _outputs_text(nb) -> str:
    chunks = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            chunks.append(out.get("text", ""))
            chunks.append(out.get("data", {}).get("text/markdown", ""))
            chunks.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(chunks)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_on_a_small_twin(trained, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    # Given a small twin and its training run in a throw-away MLflow store
    card_threshold = float(trained["summary"]["threshold"])
    version = trained["summary"]["registered_version"]
    monkeypatch.setenv("DATA_DIR", str(trained["cfg"].data))
    monkeypatch.setenv("STORE_DIR", str(trained["root"]))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # the kernel draws inline whatever backend another test left in the environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)

    # When every cell runs in a fresh kernel
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    seconds = time.perf_counter() - start

    # Then it read that run (no retraining), recomputed the card's holdout metrics (the notebook
    # asserts they match) and reports the run's threshold and figures
    text = _outputs_text(nb)
    assert "no finished training run" not in text
    assert f"registered as credit-scoring v{version}" in text
    assert f"threshold {card_threshold:.4f}" in text
    assert f"Threshold **{card_threshold:.3f}**" in text
    images = sum(
        "image/png" in out.get("data", {}) for c in nb.cells for out in c.get("outputs", [])
    )
    assert images >= 10, f"only {images} figures"
    print(f"notebook executed in {seconds:.0f} s")
