"""The fixed list of reason codes a credit officer gives when reviewing a decision (API, UI and
monitoring share it; standard library only). Documented in docs/oversight.md.

A code says why the officer confirmed or overrode the model's decision; ``other`` is allowed
with either outcome but needs a note. Codes are never renamed or reused: add new ones at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "fr"]
OTHER = "other"


@dataclass(frozen=True)
class ReasonCode:
    code: str
    en: str
    fr: str
    outcomes: tuple[str, ...]  # "confirm", "override": the outcomes it may justify

    def label(self, lang: Lang = "en") -> str:
        return self.fr if lang == "fr" else self.en


BOTH = ("confirm", "override")

REASON_CODES: tuple[ReasonCode, ...] = (
    ReasonCode(
        "model_consistent",
        "The file supports the model's assessment",
        "Le dossier confirme l'évaluation du modèle",
        ("confirm",),
    ),
    ReasonCode(
        "documents_verified",
        "Income and documents verified",
        "Revenus et justificatifs vérifiés",
        BOTH,
    ),
    ReasonCode(
        "data_error",
        "The application data were wrong",
        "Les données de la demande étaient erronées",
        ("override",),
    ),
    ReasonCode(
        "situation_changed",
        "Recent change not in the data (job, income, household)",
        "Changement récent absent des données (emploi, revenus, foyer)",
        ("override",),
    ),
    ReasonCode(
        "guarantee_provided",
        "Guarantor or collateral provided",
        "Garant ou garantie apportés",
        ("override",),
    ),
    ReasonCode(
        "affordability_concern",
        "Repayment capacity insufficient despite the score",
        "Capacité de remboursement insuffisante malgré le score",
        ("override",),
    ),
    ReasonCode(
        "fraud_suspicion",
        "Suspicion of fraud or inconsistent documents",
        "Suspicion de fraude ou justificatifs incohérents",
        BOTH,
    ),
    ReasonCode(
        "policy_exception",
        "Exception to the lending policy, approved by a manager",
        "Dérogation à la politique de crédit, validée par un responsable",
        ("override",),
    ),
    ReasonCode(OTHER, "Other (explained in the note)", "Autre (expliqué dans la note)", BOTH),
)

BY_CODE: dict[str, ReasonCode] = {r.code: r for r in REASON_CODES}
CODES: tuple[str, ...] = tuple(BY_CODE)


def codes_for(outcome: str) -> list[str]:
    """The codes allowed with ``outcome`` ("confirm" or "override"), in the list's order."""
    return [r.code for r in REASON_CODES if outcome in r.outcomes]


def check(outcome: str, code: str, note: str) -> str | None:
    """Why a review's ``(outcome, code, note)`` is not acceptable, or None if it is."""
    reason = BY_CODE.get(code)
    if reason is None:
        return f"unknown reason code {code!r}; allowed: {', '.join(CODES)}"
    if outcome not in reason.outcomes:
        return f"reason code {code!r} does not justify {outcome!r}; allowed: {', '.join(codes_for(outcome))}"
    if code == OTHER and not note.strip():
        return "reason code 'other' needs a note"
    return None


def label(code: str, lang: Lang = "en") -> str:
    """The code's label in ``lang`` (the code itself if unknown: a newer writer's code)."""
    reason = BY_CODE.get(code)
    return reason.label(lang) if reason else code
