"""The model card for people: markdown rendered from a bundle's ``model_card.json``.

``credit model-card --bundle URI --out docs/model_card.md`` writes it; ``--check`` says whether
the file is what the bundle gives. The prose is fixed here; every figure comes from the card.
Lines that carry figures are table rows, ``- **Label:** value`` bullets, or a ratio summary, so
:func:`skeleton` (the text with its figures taken out) compares two renderings' structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from credit_training import fairness

OWNER = "Prêt à Dépenser, credit risk modelling team (model owner); compliance office (reviewer)"

INTENDED_USE = """\
The model estimates the **probability of default** of a consumer-credit application from the
application form, and recommends a decision: refuse when the probability reaches the decision
threshold, which minimises the lender's expected business cost (a missed defaulter costs as much
as the card's cost weights say; a good client refused, one unit).

Its users are Prêt à Dépenser's **credit officers**, through the scoring API and the credit
officers' UI, which show the probability, the recommended decision, a risk grade and the
reasons behind the score (SHAP contributions). The score supports their decision; it does not
replace it."""

MUST_NOT = """\
- Deciding alone: no application may be refused on the score without the human oversight below
  (GDPR Art. 22 and the EU Court's reading for credit scores, C-634/21 SCHUFA).
- Other products or populations: mortgages, business loans, other countries or channels, without
  retraining and a new validation on that population.
- Pricing, marketing, collections, employment or insurance decisions.
- Inferring a person's gender, age, family situation or any other protected attribute.
- Real clients, while the model is trained on the synthetic data twin (see Training data)."""

OVERSIGHT = """\
1. Every recommended **refusal**, and every application within one risk grade of the threshold,
   is reviewed by a credit officer before the client is answered.
2. The officer reads the reasons (the API's `/v1/explain`, the UI's explanation panel), checks
   the application, and confirms or overrides the recommendation with a reason code and a note.
3. A refused client is told the main reasons in plain language and may ask for a human
   re-examination (right to human intervention and to an explanation).
4. A retrained model replaces the champion only if it passes the promotion rule, the fairness
   gate included (Performance per group); a person approves every production deployment.
5. The review record of step 2 (a `review` route storing who, when, outcome and reason) and the
   approver on deployment are specified in issue 22 §2 and are **not yet built** in this
   version: until they are, reviews are recorded outside the system."""

MONITORING = """\
- A scheduled drift job compares the logged requests with the bundle's reference sample (PSI
  per input, weighted by importance) and estimates default rate, business cost and AUC without
  labels (CBPE); alarms go to the operations e-mail through CloudWatch and SNS
  (docs/drift.md).
- The request log keeps every input as sent, `CODE_GENDER` included although the model does not
  use it, so refusal rates per group can be tracked. **Not yet built:** per-group refusal
  tracking with its alarm in the drift job, and the join of realised outcomes to decisions
  (issue 22 §1 and §4).
- The fairness report is recomputed on the holdout at every retraining and goes to MLflow and
  this card; the promotion gate compares it with the champion's on the same holdout."""


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _num(x: Any, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _limitations(card: Mapping[str, Any]) -> list[str]:
    fair = card.get("fairness") or {}
    report = fair.get("report") or {}
    out = []
    if card["data"].get("synthetic_twin"):
        out.append(
            "- Trained and evaluated on a **synthetic data twin** of the Home Credit tables: the "
            "figures say how the pipeline behaves, not how the model would do on real clients."
        )
    out += [
        "- **Reject inference:** outcomes exist only for granted loans, so the model learns from "
        "applicants a past policy accepted; its figures on applicants that policy refused are "
        "unknown.",
        "- Removing an input does not remove its information: other inputs (income, occupation, "
        "car ownership, ...) carry part of it, so refusal rates still differ by gender (see the "
        "per-group tables).",
        "- Age is an input: refusal rates differ by age band, partly because default rates do; "
        "the age bands' ratios below say by how much.",
        f"- Groups under {report.get('min_group_rows', fairness.MIN_GROUP_ROWS)} holdout rows "
        "are reported but their figures are noise; ratios ignore them.",
        "- The cost weights are a business assumption: other weights move the threshold and "
        "every refusal rate.",
    ]
    return out


def render(card: Mapping[str, Any], owner: str = OWNER) -> str:
    """The card as markdown (the sections of docs/model_card.md, in order)."""
    data, fair = card["data"], card.get("fairness") or {}
    h, cv = card["metrics"]["holdout"], card["metrics"]["cv"]
    version = card.get("model_version") or card.get("run_id") or "unregistered"
    twin = data.get("synthetic_twin")
    policy = fair.get("policy", {})
    lines = [
        f"# Model card: {card['model_name']}",
        "",
        "<!-- generated by `credit model-card` from the bundle's model_card.json: edit "
        "training/credit_training/model_card.py, not this file -->",
        "",
        "## Owner and version",
        "",
        f"- **Owner:** {owner}",
        f"- **Model:** {card['model_name']} version {version}",
        f"- **Trained:** {card['created_at']}",
        f"- **MLflow run:** {card.get('run_id') or 'n/a'}",
        "- **Libraries:** "
        + ", ".join(f"{k} {v}" for k, v in card.get("library_versions", {}).items()),
        "",
        "## Intended use and users",
        "",
        INTENDED_USE,
        "",
        "## Uses it must not serve",
        "",
        MUST_NOT,
        "",
        "## Training data",
        "",
        "- **Data:** "
        + (
            f"synthetic data twin (seed {twin['seed']}, {twin['train_rows']:,} labelled rows)"
            if twin
            else f"{data['source']} (not the synthetic twin)"
        ),
        f"- **Rows:** {data['rows']:,}, a stratified part held out for the final report only",
        f"- **Fingerprint:** `{data['fingerprint'][:16]}`",
        f"- **Inputs:** {len(card['features']['names'])} features "
        f"({len(card['features']['derived'])} derived)",
        "- **Inputs left out (protected-input policy):** "
        + (", ".join(f"`{c}`" for c in policy.get("protected_inputs", [])) or "none"),
        "",
        "The demo is trained on the **synthetic twin** that `credit twin` generates from the "
        "public statistics of the Home Credit Default Risk tables: no real person's data.",
        "By default the model does not take `CODE_GENDER` as an input (EU non-discrimination law "
        "in consumer services); the attribute is still used to measure fairness. Age "
        "(`DAYS_BIRTH`) is kept, a legitimate credit factor in many markets; its share of the "
        "model's importance:",
        "",
        "| feature | importance rank | share of importance |",
        "|---|---:|---:|",
    ]
    for r in fair.get("age_effect", []):
        lines.append(f"| {r['feature']} | {r['rank']} | {_pct(r['share_of_importance'])} |")
    lines += [
        "",
        "## Performance overall",
        "",
        f"- **Holdout ROC AUC:** {_num(h['roc_auc'])}",
        f"- **Holdout business cost per application:** {_num(h['business_cost'])} "
        f"(at a 0.5 threshold: {_num(h['business_cost_at_0_5'])})",
        f"- **Decision threshold:** {_num(card['threshold'])} "
        f"(cost weights: missed defaulter {card['cost_weights']['fn']:g}, refused good client "
        f"{card['cost_weights']['fp']:g})",
        f"- **Holdout refusal rate:** {_pct(h.get('refusal_rate'))}",
        f"- **Calibration:** ECE {_num(h['ece'])}, Brier {_num(h['brier'])} "
        f"({card['calibration']['method']})",
        f"- **Cross-validated ROC AUC:** {_num(cv['roc_auc'])}",
        "",
        "## Performance per group",
        "",
        "On the holdout. Refused and good clients refused are shares of the group; the ratios "
        "are the disparate impact of approval rates (lowest group / highest group; the "
        "four-fifths rule asks for 0.8 or more) and the equal-opportunity difference (spread of "
        "the approval rates of good clients).",
        "",
    ]
    if fair.get("report"):
        lines.append(fairness.to_markdown(fair["report"], "###"))
        gate = fair["gate"]
        lines += [
            f"- **Promotion gate tolerance:** {gate['tolerance']:.3f} of disparate impact per "
            "attribute against the champion, whatever the cost",
            f"- **Champion's worst ratio on this holdout:** {_num(gate['champion_worst_ratio'], 3)}",
            f"- **Gate failures:** {'; '.join(gate['failures']) or 'none'}",
        ]
    else:
        lines.append("No sensitive attribute in the training table: nothing measured.")
    lines += [
        "",
        "## Limitations",
        "",
        *_limitations(card),
        "",
        "## Human oversight",
        "",
        OVERSIGHT,
        "",
        "## Monitoring plan",
        "",
        MONITORING,
        "",
    ]
    return "\n".join(lines)


_BULLET = re.compile(r"^- \*\*([^*]+):\*\*")
_SUMMARY = ("disparate impact ", "fewer than two groups")


def skeleton(text: str) -> list[str]:
    """The text without its figures: table rows and the values of ``- **Label:**`` bullets
    dropped, ratio summaries reduced to a marker, digits to ``#``."""
    out, in_table = [], False
    for line in text.splitlines():
        if line.startswith("|---"):
            in_table = True
            out.append(line)
            continue
        if in_table and line.startswith("|"):
            continue
        in_table = False
        if m := _BULLET.match(line):
            line = m.group(0)
        elif line.startswith(_SUMMARY):
            line = "<ratios>"
        out.append(re.sub(r"\d+", "#", line))
    return out
