"""Marginal fidelity of the twin's application_train against the public full-data statistics.

Each test fails with the worst offending columns printed (value, public value, error, tolerance).
"""

import pandas as pd
import pytest

from credit_training.twin import fidelity

REPORTS = {
    "missing": fidelity.missing_report,
    "shares": fidelity.share_report,
    "quantiles": fidelity.quantile_report,
    "target_correlations": fidelity.correlation_report,
    "age_bin_default_rates": fidelity.age_bin_report,
    "default_and_sentinel_rates": fidelity.target_report,
}


def _offenders(report: pd.DataFrame) -> str:
    r = report.assign(ratio=fidelity.ratios(report)).sort_values("ratio", ascending=False)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        return "worst offenders:\n" + r.head(8).to_string(index=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REPORTS))
def test_train_within_tolerance(twin, name):
    report = REPORTS[name](twin.train)
    assert len(report) > 0
    assert (fidelity.ratios(report) <= 1.0).all(), _offenders(report)


@pytest.mark.slow
def test_every_column_is_checked(twin):
    """No column escapes the fidelity report (ids and target are checked elsewhere)."""
    report = fidelity.full_report(twin.train)
    checked = {c.split("=")[0] for c in report["column"]}
    assert set(twin.train.columns) - checked <= {"SK_ID_CURR"}


@pytest.mark.slow
def test_test_side_keeps_public_test_marginals(twin):
    """application_test is checked against the public test statistics, drifts included."""
    for report in (
        fidelity.missing_report(twin.test, "test"),
        fidelity.share_report(twin.test, "test"),
    ):
        drifted = report[report["column"].str.split("=").str[0].isin(_drifted())]
        assert (fidelity.ratios(drifted) <= 1.0).all(), _offenders(drifted)


def _drifted() -> set[str]:
    from credit_training.twin.drift import TEST_DRIFTS

    return set(TEST_DRIFTS)
