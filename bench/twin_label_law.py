"""Is P(default | x) the same law in the twin's train and test? (a diagnostic, not a test)

CBPE is unbiased only under covariate shift. The twin draws each table's TARGET last, from its
own (drifted) columns, with the train table's label model; this checks it by measurement:
three tables of ROWS rows (train, test, and a third drawn with the train marginals), a LightGBM
fitted on half of train (A) and one fitted on half of test (B), and on each table's other half
the mean label, the generator's own mean probability and both models' mean predictions. Under
one law, A and B predict the same mean on the test half (up to their training noise).

    uv run python bench/twin_label_law.py [ROWS] [SEED]     # measured: 200000 7
"""

from __future__ import annotations

import sys
import time

import lightgbm as lgb
import numpy as np

from credit_training.twin.generate import build_table, to_frame


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    t = time.perf_counter()
    train, model = build_table(n, "train", np.random.default_rng([seed, 1]))
    test, _ = build_table(n, "test", np.random.default_rng([seed, 2]), model)
    same, _ = build_table(n, "train", np.random.default_rng([seed, 3]), model)
    builders = {"train": train, "test": test, "no drift": same}
    print(f"generated in {time.perf_counter() - t:.1f} s")
    frames = {k: to_frame(b, np.arange(n), "train") for k, b in builders.items()}

    def fit(df):
        x = df.drop(columns=["SK_ID_CURR", "TARGET"])
        clf = lgb.LGBMClassifier(
            n_estimators=400, learning_rate=0.03, num_leaves=31, min_child_samples=200, verbose=-1
        )
        return clf.fit(x, df.TARGET)

    def mean_prediction(clf, df) -> float:
        return float(clf.predict_proba(df.drop(columns=["SK_ID_CURR", "TARGET"]))[:, 1].mean())

    half = n // 2
    a, b = fit(frames["train"].iloc[:half]), fit(frames["test"].iloc[:half])
    for name, df in frames.items():
        rest = df.iloc[half:]
        truth = builders[name].latent["default_probability"][half:].mean()
        print(
            f"{name:9s} second half: label {rest.TARGET.mean():.5f}  generator {truth:.5f}  "
            f"A (fit on train) {mean_prediction(a, rest):.5f}  "
            f"B (fit on test) {mean_prediction(b, rest):.5f}"
        )


if __name__ == "__main__":
    main()
