"""Override rates by model decision and by reason code, from reviews (and the CLI over a store)."""

from __future__ import annotations

import pytest

from credit_core import decision_store as ds
from credit_core import review_reasons
from credit_core.cli import main
from credit_core.contracts import Caller, Review
from credit_monitoring.overrides import override_rates


def review(rid: str, n: int, outcome: str, before: str, code: str, item: int = 0) -> Review:
    other = "accept" if before == "refuse" else "refuse"
    return Review(
        review_id=f"{rid}-{item}-{n}",
        request_id=rid,
        item=item,
        outcome=outcome,
        reason_code=code,
        note="",
        reviewed_decision=before,
        final_decision=before if outcome == "confirm" else other,
        caller=Caller(kind="officer", subject="u1"),
        reviewed_at=f"2026-12-0{n}T10:00:00.000+00:00",
    )


REVIEWS = [
    # refusals: r1 overridden, r2 confirmed, r3 overridden then overridden back (final refuse),
    # r4 two items of one batch, one overridden
    review("r1", 1, "override", "refuse", "documents_verified"),
    review("r2", 1, "confirm", "refuse", "model_consistent"),
    review("r3", 2, "override", "accept", "fraud_suspicion"),  # given out of order
    review("r3", 1, "override", "refuse", "guarantee_provided"),
    review("r4", 1, "override", "refuse", "documents_verified", item=0),
    review("r4", 1, "confirm", "refuse", "model_consistent", item=1),
    # acceptances: one overridden to a refusal
    review("a1", 1, "override", "accept", "affordability_concern"),
    review("a2", 1, "confirm", "accept", "documents_verified"),
]


def test_rates_by_model_decision_count_each_decision_once_at_its_final_state():
    rates = override_rates(REVIEWS)
    assert rates.reviews == 8
    assert rates.by_decision == {"refuse": (5, 2), "accept": (2, 1)}
    assert rates.rate("refuse") == pytest.approx(0.4) and rates.rate("accept") == 0.5
    assert rates.by_reason == {
        "documents_verified": 2,
        "fraud_suspicion": 1,
        "guarantee_provided": 1,
        "affordability_concern": 1,
    }


def test_no_reviews_no_rates():
    rates = override_rates([])
    assert rates.rate("refuse") is None and rates.by_reason == {}


def test_the_cli_reads_the_reviews_of_a_store(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path}/decisions.sqlite"
    store = ds.open_store(uri)
    for r in REVIEWS:
        ds.put_review(store, r, 30)
    assert main(["decisions", "overrides", "--store", uri]) == 0
    out = capsys.readouterr().out
    assert "model decision refuse: 5 reviewed, 2 overridden (40.0%)" in out
    assert "documents_verified" in out and "Income and documents verified" in out
    assert main(["decisions", "overrides", "--store", "s3://x"]) == 2


def test_the_reason_codes_are_fixed_labelled_in_both_languages_and_include_other():
    assert review_reasons.OTHER in review_reasons.CODES
    assert len(set(review_reasons.CODES)) == len(review_reasons.CODES)
    for reason in review_reasons.REASON_CODES:
        assert reason.en and reason.fr and reason.en != reason.fr
        assert set(reason.outcomes) <= {"confirm", "override"} and reason.outcomes
    assert review_reasons.codes_for("confirm") and review_reasons.codes_for("override")
    assert review_reasons.check("override", "other", "") == "reason code 'other' needs a note"
    assert review_reasons.check("confirm", "other", "why") is None
    assert "does not justify" in review_reasons.check("confirm", "data_error", "")
    assert "unknown" in review_reasons.check("confirm", "nope", "")
