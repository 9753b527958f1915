"""Global explanations with the ``shap`` library (training only; the API uses pred_contrib)."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np


def shap_values(booster: lgb.Booster, x: np.ndarray) -> tuple[np.ndarray, float]:
    """TreeSHAP values (rows x features) on the raw log-odds, and the expected value."""
    import warnings

    import shap

    explainer = shap.TreeExplainer(booster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # binary LightGBM output-format notice
        values = explainer.shap_values(x)
    if isinstance(values, list):  # older shap: one array per class
        values = values[1]
    expected = explainer.expected_value
    if np.ndim(expected):
        expected = np.ravel(expected)[-1]
    return np.asarray(values), float(expected)


def global_importance(values: np.ndarray, names: list[str]) -> list[dict[str, float | str]]:
    """Mean |SHAP| per feature, largest first."""
    mean_abs = np.abs(values).mean(axis=0)
    order = np.argsort(-mean_abs, kind="stable")
    return [
        {"feature": names[i], "mean_abs_shap": float(mean_abs[i]), "rank": r + 1}
        for r, i in enumerate(order)
    ]


def save_plots(values: np.ndarray, x: np.ndarray, names: list[str], out: Path) -> list[Path]:
    """Beeswarm and bar summary plots as PNG files (the caller's matplotlib backend is left as it
    is: a notebook keeps showing its own figures)."""
    import matplotlib.pyplot as plt
    import shap

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, filename in (("dot", "shap_beeswarm.png"), ("bar", "shap_bar.png")):
        shap.summary_plot(
            values, x, feature_names=names, plot_type=kind, show=False, max_display=20
        )
        path = out / filename
        plt.gcf().savefig(path, dpi=110, bbox_inches="tight")
        plt.close("all")
        paths.append(path)
    return paths


def save_threshold_curve(
    thresholds: np.ndarray, costs: np.ndarray, chosen: float, out: Path
) -> Path:
    from matplotlib.figure import Figure  # no pyplot: no backend, no global figure state

    finite = np.isfinite(thresholds)
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(thresholds[finite], costs[finite])
    ax.axvline(chosen, color="red", linestyle="--", label=f"threshold {chosen:.3f}")
    ax.set_xlabel("decision threshold (refuse when p >= t)")
    ax.set_ylabel("business cost per application (OOF)")
    ax.legend()
    path = out / "threshold_curve.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path
