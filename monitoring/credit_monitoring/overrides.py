"""How often credit officers override the model: from the reviews in the decision store.

A reviewed decision is one application's decision (request id, item) with at least one review;
the model's decision is what the first review reviewed, the final one what the last review left
standing. Rates are over reviewed decisions (a decision nobody reviewed says nothing about
agreement); per reason code, the overriding reviews are counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from credit_core import review_reasons
from credit_core.contracts import Review


@dataclass(frozen=True)
class OverrideRates:
    """``by_decision``: model decision -> (reviewed, overridden); ``by_reason``: reason code ->
    overriding reviews; ``reviews``: all reviews read."""

    by_decision: dict[str, tuple[int, int]]
    by_reason: dict[str, int]
    reviews: int

    def rate(self, decision: str) -> float | None:
        reviewed, overridden = self.by_decision.get(decision, (0, 0))
        return overridden / reviewed if reviewed else None


def override_rates(reviews: Iterable[Review]) -> OverrideRates:
    """The rates from reviews in any order (sorted by time within each decision here)."""
    per: dict[tuple[str, int], list[Review]] = defaultdict(list)
    by_reason: Counter[str] = Counter()
    n = 0
    for r in reviews:
        per[(r.request_id, r.item)].append(r)
        n += 1
        if r.outcome == "override":
            by_reason[r.reason_code] += 1
    counts: dict[str, list[int]] = {"refuse": [0, 0], "accept": [0, 0]}
    for history in per.values():
        history.sort(key=lambda r: r.reviewed_at)
        model, final = history[0].reviewed_decision, history[-1].final_decision
        counts[model][0] += 1
        counts[model][1] += int(final != model)
    return OverrideRates(
        by_decision={d: (c[0], c[1]) for d, c in counts.items()},
        by_reason=dict(by_reason.most_common()),
        reviews=n,
    )


def report(rates: OverrideRates) -> list[str]:
    lines = [f"reviews: {rates.reviews}"]
    for decision, (reviewed, overridden) in rates.by_decision.items():
        rate = rates.rate(decision)
        shown = "-" if rate is None else f"{rate:.1%}"
        lines.append(
            f"  model decision {decision:6}: {reviewed} reviewed, {overridden} overridden ({shown})"
        )
    total = sum(rates.by_reason.values())
    for code, n in rates.by_reason.items():
        lines.append(
            f"  override reason {code:22} {n:5} ({n / total:.1%}) {review_reasons.label(code)}"
        )
    return lines
