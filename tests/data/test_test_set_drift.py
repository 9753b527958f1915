"""application_test differs from application_train exactly where the manifest says."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from credit_core.schema import application_schema
from credit_training.twin.drift import TEST_DRIFTS, ZERO_DOCUMENTS

pytestmark = pytest.mark.slow
ALPHA = 0.01


def test_revolving_loans_almost_vanish(twin):
    share = (twin.test["NAME_CONTRACT_TYPE"] == "Revolving loans").mean()
    assert share == pytest.approx(0.009, abs=0.003)
    assert (twin.train["NAME_CONTRACT_TYPE"] == "Revolving loans").mean() == pytest.approx(
        0.095, abs=0.01
    )


def test_email_flag_and_external_score_missingness(twin):
    assert twin.test["FLAG_EMAIL"].mean() == pytest.approx(0.163, abs=0.01)
    assert twin.test["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.421, abs=0.01)
    assert twin.train["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.564, abs=0.01)


def test_amounts_are_lower_and_capped_in_test(twin):
    for col in ("AMT_CREDIT", "AMT_GOODS_PRICE"):
        assert twin.test[col].max() <= 2_245_500
        assert twin.test[col].median() < twin.train[col].median()
    assert twin.test["AMT_CREDIT"].median() == pytest.approx(450_000, rel=0.05)


def test_documents_absent_from_test(twin):
    for doc in ZERO_DOCUMENTS:
        assert twin.test[doc].sum() == 0, doc
    assert twin.test["FLAG_DOCUMENT_3"].mean() == pytest.approx(0.787, abs=0.01)


def test_bureau_enquiry_shifts(twin):
    means = twin.test[
        ["AMT_REQ_CREDIT_BUREAU_QRT", "AMT_REQ_CREDIT_BUREAU_MON", "AMT_REQ_CREDIT_BUREAU_WEEK"]
    ].mean()
    assert means["AMT_REQ_CREDIT_BUREAU_QRT"] == pytest.approx(0.547, rel=0.1)
    assert means["AMT_REQ_CREDIT_BUREAU_MON"] < 0.03
    assert means["AMT_REQ_CREDIT_BUREAU_WEEK"] < 0.01
    assert twin.test["AMT_REQ_CREDIT_BUREAU_QRT"].max() <= 7


def test_levels_absent_from_test(twin):
    assert (twin.test["CODE_GENDER"] == "XNA").sum() == 0
    assert (twin.test["NAME_INCOME_TYPE"] == "Maternity leave").sum() == 0
    assert (twin.test["NAME_FAMILY_STATUS"] == "Unknown").sum() == 0


def _same_distribution_pvalue(train: pd.Series, test: pd.Series) -> float:
    """KS for numeric columns (missingness by a 2x2 chi-square), chi-square for categories."""
    if isinstance(train.dtype, pd.CategoricalDtype) or train.nunique() <= 2:
        a = train.astype(str).value_counts()
        b = test.astype(str).value_counts()
        table = pd.concat([a, b], axis=1).fillna(0).to_numpy()
        table = table[table.sum(axis=1) >= 10]
        return 1.0 if len(table) < 2 else float(stats.chi2_contingency(table)[1])
    ps = []
    miss = np.array(
        [[train.isna().sum(), train.notna().sum()], [test.isna().sum(), test.notna().sum()]]
    )
    if miss[:, 0].sum() > 0:
        ps.append(stats.chi2_contingency(miss)[1])
    ps.append(stats.ks_2samp(train.dropna(), test.dropna()).pvalue)
    return float(min(ps))


def test_untouched_columns_keep_the_train_distribution(twin):
    """Two-sample tests at a family-wise 1% level (Bonferroni over the untouched columns)."""
    schema = application_schema()
    untouched = [c for c in schema.names("test") if c not in TEST_DRIFTS and c != schema.id_column]
    threshold = ALPHA / len(untouched)
    pvalues = {c: _same_distribution_pvalue(twin.train[c], twin.test[c]) for c in untouched}
    drifted = {c: p for c, p in pvalues.items() if p <= threshold}
    assert not drifted, f"untouched columns drifted (p <= {threshold:.1e}): {drifted}"


@pytest.mark.parametrize(
    "column",
    [
        "NAME_CONTRACT_TYPE",
        "FLAG_EMAIL",
        "EXT_SOURCE_1",
        "AMT_CREDIT",
        "AMT_GOODS_PRICE",
        "AMT_ANNUITY",
        "AMT_REQ_CREDIT_BUREAU_QRT",
        "AMT_REQ_CREDIT_BUREAU_MON",
        "WEEKDAY_APPR_PROCESS_START",
        "DAYS_LAST_PHONE_CHANGE",
        "FLAG_DOCUMENT_3",
    ],
)
def test_drifted_columns_are_detectably_different(twin, column):
    assert _same_distribution_pvalue(twin.train[column], twin.test[column]) < 1e-6
