"""The client-history features, defined once: name, meaning, unit, SQL and "no history" value.

One SQL query (DuckDB dialect, portable: see :mod:`credit_core.history.dialects`) turns the six
history tables into one row per client (``SK_ID_CURR``). The same text serves every path: all
clients for training and the feature store, one client on demand (the engine narrows the input
tables, never the query), and monitoring. :func:`definitions_digest` hashes that text: the model
card and the store carry it, so a store built from other definitions is refused.

**Point in time.** Only what the lender knew when the application was made is used. Every
relative time counts back from the application (0 = its day or month), so a record dated after
it (> 0) is not used:
* a bureau credit opened after the application (``DAYS_CREDIT`` > 0) or whose bureau record was
  last updated after it (``DAYS_CREDIT_UPDATE`` > 0: its status, debt and overdue are a later
  state, the state the lender saw is not in the file) is dropped whole, with its monthly
  ``bureau_balance`` rows; monthly rows after the application month are dropped;
* a previous application decided after the application is dropped; its ``DAYS_*`` dates that
  had not happened by then (the 365243 code, or any date > 0) read as "not happened" (missing);
* an instalment falling due after the application is dropped; a payment made after it is not
  known, so the instalment counts as not (or not fully) paid;
* POS and card months after the application month are dropped.

**No history.** A client without any (usable) record in a table gets the same values in
training, in the store and at scoring time (:func:`no_history_values`): counts and sums are 0,
every other feature (shares, ratios, means, extremes, days since) is missing.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "amount", "days", "months", "share", "ratio", "status"]
Empty = Literal["zero", "missing"]

ID = "SK_ID_CURR"
DAYS_12M = 365  # the recent windows: due, decided or opened in the last 365 days
MONTHS_12M = 12  # monthly tables: MONTHS_BALANCE >= -12


@dataclass(frozen=True, slots=True)
class HistoryFeature:
    """One per-client feature. ``sql`` is an aggregate over ``group``'s source rows; ``of``
    names the count this one is a part of, for reasons read as "3 of 24"."""

    name: str
    group: str
    sql: str
    meaning: str
    unit: Unit
    empty: Empty
    of: str | None = None


# The row-level stages: the point-in-time rule, the 365243 code, one row per instalment, per
# bureau credit, per POS loan and per card. Aggregates per client are in FEATURES below.
# ARG_MAX's ordering key is NULL where its value is: every engine skips a NULL key (DuckDB also
# skips a NULL value, Trino's and Spark's MAX_BY would return it), so all read "the latest month
# with a known value".
STAGES = f"""
bureau_known AS (
  SELECT * FROM bureau
  WHERE DAYS_CREDIT <= 0 AND DAYS_CREDIT_UPDATE <= 0
),
bureau_balance_credit AS (
  SELECT b.SK_ID_CURR, bb.SK_ID_BUREAU,
         COUNT(*) AS months,
         MIN(bb.MONTHS_BALANCE) AS oldest_month,
         SUM(CASE WHEN bb.STATUS IN ('0', '1', '2', '3', '4', '5') THEN 1 ELSE 0 END) AS open_months,
         SUM(CASE WHEN bb.STATUS IN ('1', '2', '3', '4', '5') THEN 1 ELSE 0 END) AS late_months,
         SUM(CASE WHEN bb.STATUS IN ('2', '3', '4', '5') THEN 1 ELSE 0 END) AS late30_months,
         SUM(CASE WHEN bb.STATUS IN ('1', '2', '3', '4', '5')
                   AND bb.MONTHS_BALANCE >= -{MONTHS_12M} THEN 1 ELSE 0 END) AS late_months_12m,
         MAX(CASE WHEN bb.STATUS IN ('0', '1', '2', '3', '4', '5')
                  THEN CAST(bb.STATUS AS INTEGER) END) AS worst_status
  FROM bureau_balance AS bb
  JOIN bureau_known AS b ON b.SK_ID_BUREAU = bb.SK_ID_BUREAU
  WHERE bb.MONTHS_BALANCE <= 0
  GROUP BY b.SK_ID_CURR, bb.SK_ID_BUREAU
),
previous_known AS (
  SELECT SK_ID_CURR, NAME_CONTRACT_STATUS, DAYS_DECISION, AMT_APPLICATION, AMT_CREDIT,
         AMT_ANNUITY, CNT_PAYMENT,
         CASE WHEN DAYS_FIRST_DUE > 0 THEN NULL ELSE DAYS_FIRST_DUE END AS first_due_day,
         CASE WHEN DAYS_TERMINATION > 0 THEN NULL ELSE DAYS_TERMINATION END AS termination_day
  FROM previous_application
  WHERE DAYS_DECISION <= 0
),
instalment AS (
  SELECT SK_ID_CURR, SK_ID_PREV,
         MIN(DAYS_INSTALMENT) AS due_day,
         MAX(AMT_INSTALMENT) AS due,
         SUM(CASE WHEN DAYS_ENTRY_PAYMENT <= 0 THEN AMT_PAYMENT END) AS paid,
         MAX(CASE WHEN DAYS_ENTRY_PAYMENT <= 0 THEN DAYS_ENTRY_PAYMENT END) AS paid_day
  FROM installments_payments
  WHERE DAYS_INSTALMENT <= 0
  GROUP BY SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER
),
instalment_paid AS (
  SELECT *,
         CASE WHEN paid IS NULL OR paid <= 0 THEN 1 ELSE 0 END AS missed,
         CASE WHEN paid > 0 AND paid_day > due_day THEN 1 ELSE 0 END AS late,
         CASE WHEN paid > 0 AND paid_day > due_day THEN paid_day - due_day
              WHEN paid > 0 THEN 0 END AS days_late,
         CASE WHEN paid > 0 AND paid_day < due_day THEN due_day - paid_day
              WHEN paid > 0 THEN 0 END AS days_early
  FROM instalment
),
pos_known AS (
  SELECT * FROM POS_CASH_balance WHERE MONTHS_BALANCE <= 0
),
pos_loan AS (
  SELECT SK_ID_CURR, SK_ID_PREV,
         MAX(CASE WHEN NAME_CONTRACT_STATUS = 'Completed' THEN 1.0 ELSE 0.0 END) AS completed,
         ARG_MAX(CNT_INSTALMENT_FUTURE,
                 CASE WHEN CNT_INSTALMENT_FUTURE IS NOT NULL THEN MONTHS_BALANCE END) AS remaining
  FROM pos_known
  GROUP BY SK_ID_CURR, SK_ID_PREV
),
card_known AS (
  SELECT *,
         AMT_BALANCE / NULLIF(CAST(AMT_CREDIT_LIMIT_ACTUAL AS DOUBLE), 0) AS utilisation
  FROM credit_card_balance
  WHERE MONTHS_BALANCE <= 0
),
card_last AS (
  SELECT SK_ID_CURR, SK_ID_PREV,
         ARG_MAX(AMT_BALANCE, MONTHS_BALANCE) AS balance,
         ARG_MAX(AMT_CREDIT_LIMIT_ACTUAL, MONTHS_BALANCE) AS credit_limit
  FROM card_known
  GROUP BY SK_ID_CURR, SK_ID_PREV
)"""

# group -> the stage its features aggregate over (one row per client after GROUP BY SK_ID_CURR)
GROUPS: dict[str, str] = {
    "bureau": "bureau_known",
    "bureau_balance": "bureau_balance_credit",
    "previous": "previous_known",
    "instalments": "instalment_paid",
    "pos": "pos_known",
    "pos_loans": "pos_loan",
    "cards": "card_known",
    "cards_last": "card_last",
}


def _f(group: str, name: str, sql: str, meaning: str, unit: Unit, empty: Empty, of=None):
    return HistoryFeature(name, group, " ".join(sql.split()), meaning, unit, empty, of)


def _count_if(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _share(condition: str) -> str:
    return f"AVG(CASE WHEN {condition} THEN 1.0 ELSE 0.0 END)"


def _div(num: str, den: str) -> str:
    """Division that is missing (not an error, not infinite) when the denominator is 0."""
    return f"CAST({num} AS DOUBLE) / NULLIF(CAST({den} AS DOUBLE), 0)"


ACTIVE = "CREDIT_ACTIVE = 'Active'"
APPROVED = "NAME_CONTRACT_STATUS = 'Approved'"
REFUSED = "NAME_CONTRACT_STATUS = 'Refused'"

FEATURES: tuple[HistoryFeature, ...] = (
    # --- credit bureau: other lenders' credits
    _f("bureau", "BUREAU_CREDIT_COUNT", "COUNT(*)",
       "credits reported by the credit bureau", "count", "zero"),
    _f("bureau", "BUREAU_ACTIVE_COUNT", _count_if(ACTIVE),
       "bureau credits still active", "count", "zero", "BUREAU_CREDIT_COUNT"),
    _f("bureau", "BUREAU_CLOSED_COUNT", _count_if("CREDIT_ACTIVE = 'Closed'"),
       "bureau credits closed", "count", "zero", "BUREAU_CREDIT_COUNT"),
    _f("bureau", "BUREAU_BAD_DEBT_COUNT", _count_if("CREDIT_ACTIVE IN ('Bad debt', 'Sold')"),
       "bureau credits written off as bad debt or sold to a collector", "count", "zero",
       "BUREAU_CREDIT_COUNT"),
    _f("bureau", "BUREAU_ACTIVE_SHARE", _share(ACTIVE),
       "share of bureau credits still active", "share", "missing"),
    _f("bureau", "BUREAU_CREDIT_COUNT_12M", _count_if(f"DAYS_CREDIT >= -{DAYS_12M}"),
       "bureau credits opened in the last 12 months", "count", "zero", "BUREAU_CREDIT_COUNT"),
    _f("bureau", "BUREAU_DAYS_SINCE_LATEST_CREDIT", "-MAX(DAYS_CREDIT)",
       "days since the latest bureau credit was opened", "days", "missing"),
    _f("bureau", "BUREAU_DAYS_SINCE_FIRST_CREDIT", "-MIN(DAYS_CREDIT)",
       "days since the first bureau credit was opened", "days", "missing"),
    _f("bureau", "BUREAU_CREDIT_AGE_MEAN", "-AVG(DAYS_CREDIT)",
       "mean age of the bureau credits", "days", "missing"),
    _f("bureau", "BUREAU_DAYS_SINCE_UPDATE_MEAN", "-AVG(DAYS_CREDIT_UPDATE)",
       "mean days since the bureau records were last updated", "days", "missing"),
    _f("bureau", "BUREAU_ACTIVE_DAYS_TO_END_MAX",
       f"MAX(CASE WHEN {ACTIVE} THEN DAYS_CREDIT_ENDDATE END)",
       "days until the last active bureau credit is due to end", "days", "missing"),
    _f("bureau", "BUREAU_ACTIVE_DEBT_SUM", f"SUM(CASE WHEN {ACTIVE} THEN AMT_CREDIT_SUM_DEBT END)",
       "debt outstanding on active bureau credits", "amount", "zero"),
    _f("bureau", "BUREAU_ACTIVE_CREDIT_SUM", f"SUM(CASE WHEN {ACTIVE} THEN AMT_CREDIT_SUM END)",
       "amount of the active bureau credits", "amount", "zero"),
    _f("bureau", "BUREAU_ACTIVE_DEBT_CREDIT_RATIO",
       _div(f"SUM(CASE WHEN {ACTIVE} THEN AMT_CREDIT_SUM_DEBT END)",
            f"SUM(CASE WHEN {ACTIVE} THEN AMT_CREDIT_SUM END)"),
       "debt still owed / amount of the active bureau credits", "ratio", "missing"),
    _f("bureau", "BUREAU_OVERDUE_SUM", "SUM(AMT_CREDIT_SUM_OVERDUE)",
       "amount overdue now on bureau credits", "amount", "zero"),
    _f("bureau", "BUREAU_OVERDUE_DEBT_RATIO",
       _div("SUM(AMT_CREDIT_SUM_OVERDUE)", f"SUM(CASE WHEN {ACTIVE} THEN AMT_CREDIT_SUM_DEBT END)"),
       "amount overdue / debt outstanding on bureau credits", "ratio", "missing"),
    _f("bureau", "BUREAU_OVERDUE_COUNT", _count_if("AMT_CREDIT_SUM_OVERDUE > 0"),
       "bureau credits with an amount overdue now", "count", "zero", "BUREAU_CREDIT_COUNT"),
    _f("bureau", "BUREAU_DAYS_OVERDUE_MAX", "MAX(CREDIT_DAY_OVERDUE)",
       "most days overdue now on a bureau credit", "days", "missing"),
    _f("bureau", "BUREAU_MAX_OVERDUE_EVER", "MAX(AMT_CREDIT_MAX_OVERDUE)",
       "largest amount ever overdue on a bureau credit", "amount", "missing"),
    _f("bureau", "BUREAU_PROLONGED_COUNT", "SUM(CNT_CREDIT_PROLONG)",
       "times bureau credits were prolonged", "count", "zero"),
    # --- credit bureau, month by month (STATUS 0 = on time, 1..5 = 1-30 .. 120+ days late)
    _f("bureau_balance", "BB_MONTH_COUNT", "SUM(months)",
       "monthly statuses reported by the bureau", "count", "zero"),
    _f("bureau_balance", "BB_MONTHS_PER_CREDIT_MEAN", "AVG(months)",
       "months of bureau history per credit, on average", "months", "missing"),
    _f("bureau_balance", "BB_OLDEST_MONTH_MEAN", "-AVG(oldest_month)",
       "months since each bureau credit's first status, on average", "months", "missing"),
    _f("bureau_balance", "BB_LATE_MONTH_COUNT", "SUM(late_months)",
       "months a bureau credit was paid late", "count", "zero", "BB_OPEN_MONTH_COUNT"),
    _f("bureau_balance", "BB_OPEN_MONTH_COUNT", "SUM(open_months)",
       "months a bureau credit was open with a known status", "count", "zero"),
    _f("bureau_balance", "BB_LATE_SHARE", _div("SUM(late_months)", "SUM(open_months)"),
       "share of open bureau months paid late", "share", "missing"),
    _f("bureau_balance", "BB_LATE30_MONTH_COUNT", "SUM(late30_months)",
       "months a bureau credit was more than 30 days late", "count", "zero",
       "BB_OPEN_MONTH_COUNT"),
    _f("bureau_balance", "BB_LATE_MONTH_COUNT_12M", "SUM(late_months_12m)",
       "months a bureau credit was late, in the last 12 months", "count", "zero"),
    _f("bureau_balance", "BB_WORST_STATUS", "MAX(worst_status)",
       "worst monthly bureau status (0 on time .. 5 over 120 days late)", "status", "missing"),
    # --- previous applications at the lender
    _f("previous", "PREV_APPLICATION_COUNT", "COUNT(*)",
       "previous applications", "count", "zero"),
    _f("previous", "PREV_APPROVED_COUNT", _count_if(APPROVED),
       "previous applications approved", "count", "zero", "PREV_APPLICATION_COUNT"),
    _f("previous", "PREV_REFUSED_COUNT", _count_if(REFUSED),
       "previous applications refused", "count", "zero", "PREV_APPLICATION_COUNT"),
    _f("previous", "PREV_REFUSED_SHARE", _share(REFUSED),
       "share of previous applications refused", "share", "missing"),
    _f("previous", "PREV_APPROVED_SHARE", _share(APPROVED),
       "share of previous applications approved", "share", "missing"),
    _f("previous", "PREV_APPLICATION_COUNT_12M", _count_if(f"DAYS_DECISION >= -{DAYS_12M}"),
       "previous applications decided in the last 12 months", "count", "zero"),
    _f("previous", "PREV_REFUSED_COUNT_12M",
       _count_if(f"{REFUSED} AND DAYS_DECISION >= -{DAYS_12M}"),
       "previous applications refused in the last 12 months", "count", "zero",
       "PREV_APPLICATION_COUNT_12M"),
    _f("previous", "PREV_DAYS_SINCE_LAST_DECISION", "-MAX(DAYS_DECISION)",
       "days since the last decision on a previous application", "days", "missing"),
    _f("previous", "PREV_DAYS_SINCE_LAST_REFUSAL",
       f"-MAX(CASE WHEN {REFUSED} THEN DAYS_DECISION END)",
       "days since a previous application was last refused", "days", "missing"),
    _f("previous", "PREV_GRANTED_ASKED_RATIO_MEAN",
       f"AVG(CASE WHEN {APPROVED} THEN {_div('AMT_CREDIT', 'AMT_APPLICATION')} END)",
       "amount granted / amount asked on approved applications, on average", "ratio", "missing"),
    _f("previous", "PREV_GRANTED_ASKED_RATIO_MIN",
       f"MIN(CASE WHEN {APPROVED} THEN {_div('AMT_CREDIT', 'AMT_APPLICATION')} END)",
       "lowest amount granted / amount asked on an approved application", "ratio", "missing"),
    _f("previous", "PREV_APPROVED_CREDIT_SUM", f"SUM(CASE WHEN {APPROVED} THEN AMT_CREDIT END)",
       "amount granted on previous applications", "amount", "zero"),
    _f("previous", "PREV_ANNUITY_CREDIT_RATIO_MEAN",
       f"AVG(CASE WHEN {APPROVED} THEN {_div('AMT_ANNUITY', 'AMT_CREDIT')} END)",
       "annuity / amount granted on previous loans, on average", "ratio", "missing"),
    _f("previous", "PREV_TERM_MEAN", f"AVG(CASE WHEN {APPROVED} THEN CNT_PAYMENT END)",
       "term of previous loans in months, on average", "months", "missing"),
    _f("previous", "PREV_ACTIVE_LOAN_COUNT",
       _count_if(f"{APPROVED} AND first_due_day IS NOT NULL AND termination_day IS NULL"),
       "previous loans being repaid at the application (first due passed, not terminated)",
       "count", "zero", "PREV_APPROVED_COUNT"),
    # --- instalments of previous loans (one row per instalment; part-payments summed)
    _f("instalments", "INST_COUNT", "COUNT(*)",
       "instalments due before the application", "count", "zero"),
    _f("instalments", "INST_LATE_COUNT", "SUM(late)",
       "instalments paid after their due date", "count", "zero", "INST_COUNT"),
    _f("instalments", "INST_LATE_SHARE", "AVG(late)",
       "share of instalments paid after their due date", "share", "missing"),
    _f("instalments", "INST_MISSED_COUNT", "SUM(missed)",
       "instalments not paid at all", "count", "zero", "INST_COUNT"),
    _f("instalments", "INST_UNDERPAID_COUNT", _count_if("paid > 0 AND paid < due - 1"),
       "instalments paid short of the amount due (by more than 1)", "count", "zero",
       "INST_COUNT"),
    _f("instalments", "INST_DAYS_LATE_MAX", "MAX(days_late)",
       "most days an instalment was paid late", "days", "missing"),
    _f("instalments", "INST_DAYS_LATE_MEAN", "AVG(days_late)",
       "days paid after the due date, on average over paid instalments", "days", "missing"),
    _f("instalments", "INST_DAYS_EARLY_MEAN", "AVG(days_early)",
       "days paid before the due date, on average over paid instalments", "days", "missing"),
    _f("instalments", "INST_PAID_DUE_RATIO", _div("SUM(COALESCE(paid, 0))", "SUM(due)"),
       "amount paid / amount due over all instalments", "ratio", "missing"),
    _f("instalments", "INST_COUNT_12M", _count_if(f"due_day >= -{DAYS_12M}"),
       "instalments due in the last 12 months", "count", "zero"),
    _f("instalments", "INST_LATE_COUNT_12M", _count_if(f"late = 1 AND due_day >= -{DAYS_12M}"),
       "instalments paid late, of those due in the last 12 months", "count", "zero",
       "INST_COUNT_12M"),
    _f("instalments", "INST_MISSED_COUNT_12M",
       _count_if(f"missed = 1 AND due_day >= -{DAYS_12M}"),
       "instalments not paid, of those due in the last 12 months", "count", "zero",
       "INST_COUNT_12M"),
    _f("instalments", "INST_DAYS_SINCE_LAST_PAYMENT", "-MAX(paid_day)",
       "days since the last instalment payment", "days", "missing"),
    # --- POS and cash loans, month by month
    _f("pos", "POS_MONTH_COUNT", "COUNT(*)",
       "monthly records of POS and cash loans", "count", "zero"),
    _f("pos", "POS_DPD_MAX", "MAX(SK_DPD)",
       "most days past due on a POS or cash loan", "days", "missing"),
    _f("pos", "POS_DPD_MONTH_COUNT", _count_if("SK_DPD > 0"),
       "months a POS or cash loan was past due", "count", "zero", "POS_MONTH_COUNT"),
    _f("pos", "POS_DPD_DEF_MONTH_COUNT", _count_if("SK_DPD_DEF > 0"),
       "months a POS or cash loan was past due beyond the tolerated amount", "count", "zero",
       "POS_MONTH_COUNT"),
    _f("pos", "POS_DPD_MONTH_COUNT_12M", _count_if(f"SK_DPD > 0 AND MONTHS_BALANCE >= -{MONTHS_12M}"),
       "months a POS or cash loan was past due, in the last 12 months", "count", "zero"),
    _f("pos_loans", "POS_LOAN_COUNT", "COUNT(*)",
       "POS and cash loans", "count", "zero"),
    _f("pos_loans", "POS_COMPLETED_SHARE", "AVG(completed)",
       "share of POS and cash loans completed", "share", "missing"),
    _f("pos_loans", "POS_REMAINING_INSTALMENTS_SUM", "SUM(remaining)",
       "instalments left to pay on POS and cash loans at their latest month", "count", "zero"),
    # --- credit cards, month by month
    _f("cards", "CC_MONTH_COUNT", "COUNT(*)",
       "monthly credit card records", "count", "zero"),
    _f("cards", "CC_UTILISATION_MEAN", "AVG(utilisation)",
       "card balance / card limit, on average over months", "ratio", "missing"),
    _f("cards", "CC_UTILISATION_MAX", "MAX(utilisation)",
       "highest monthly card balance / card limit", "ratio", "missing"),
    _f("cards", "CC_UTILISATION_MEAN_12M",
       f"AVG(CASE WHEN MONTHS_BALANCE >= -{MONTHS_12M} THEN utilisation END)",
       "card balance / card limit, on average over the last 12 months", "ratio", "missing"),
    _f("cards", "CC_BALANCE_MEAN", "AVG(AMT_BALANCE)",
       "monthly card balance, on average", "amount", "missing"),
    _f("cards", "CC_DRAWINGS_MEAN", "AVG(AMT_DRAWINGS_CURRENT)",
       "amount drawn on cards per month, on average", "amount", "missing"),
    _f("cards", "CC_ATM_DRAWINGS_COUNT_MEAN", "AVG(CNT_DRAWINGS_ATM_CURRENT)",
       "cash withdrawals per month, on average", "count", "missing"),
    _f("cards", "CC_DRAWINGS_COUNT_MAX", "MAX(CNT_DRAWINGS_CURRENT)",
       "most card drawings in one month", "count", "missing"),
    _f("cards", "CC_BELOW_MIN_PAYMENT_MONTH_COUNT",
       _count_if("AMT_INST_MIN_REGULARITY > 0 AND AMT_PAYMENT_TOTAL_CURRENT < AMT_INST_MIN_REGULARITY"),
       "months the card payment was below the minimum due", "count", "zero", "CC_MONTH_COUNT"),
    _f("cards", "CC_DPD_MAX", "MAX(SK_DPD)",
       "most days past due on a card", "days", "missing"),
    _f("cards", "CC_DPD_MONTH_COUNT", _count_if("SK_DPD > 0"),
       "months a card was past due", "count", "zero", "CC_MONTH_COUNT"),
    _f("cards_last", "CC_CARD_COUNT", "COUNT(*)",
       "credit cards at the lender", "count", "zero"),
    _f("cards_last", "CC_UTILISATION_LAST",
       _div("SUM(balance)", "SUM(credit_limit)"),
       "card balance / card limit at each card's latest month", "ratio", "missing"),
)  # fmt: skip


def _check(features: tuple[HistoryFeature, ...]) -> None:
    names = [f.name for f in features]
    if len(set(names)) != len(names):
        raise ValueError("duplicated history feature name")
    for f in features:
        if f.group not in GROUPS or (f.of is not None and f.of not in names):
            raise ValueError(f"history feature {f.name}: unknown group or 'of'")


_check(FEATURES)


def feature_names() -> list[str]:
    """The history features in the order of the query's columns (after ``SK_ID_CURR``)."""
    return [f.name for f in FEATURES]


def feature(name: str) -> HistoryFeature:
    for f in FEATURES:
        if f.name == name:
            return f
    raise KeyError(name)


# The meanings in French (the UI's second language); the English ones are in FEATURES.
MEANINGS_FR: dict[str, str] = {
    "BUREAU_CREDIT_COUNT": "crédits déclarés au bureau de crédit",
    "BUREAU_ACTIVE_COUNT": "crédits du bureau encore en cours",
    "BUREAU_CLOSED_COUNT": "crédits du bureau clôturés",
    "BUREAU_BAD_DEBT_COUNT": "crédits du bureau passés en perte ou cédés à un recouvreur",
    "BUREAU_ACTIVE_SHARE": "part des crédits du bureau encore en cours",
    "BUREAU_CREDIT_COUNT_12M": "crédits du bureau ouverts dans les 12 derniers mois",
    "BUREAU_DAYS_SINCE_LATEST_CREDIT": "jours depuis l'ouverture du dernier crédit du bureau",
    "BUREAU_DAYS_SINCE_FIRST_CREDIT": "jours depuis l'ouverture du premier crédit du bureau",
    "BUREAU_CREDIT_AGE_MEAN": "ancienneté moyenne des crédits du bureau",
    "BUREAU_DAYS_SINCE_UPDATE_MEAN": "jours depuis la dernière mise à jour des crédits du bureau, en moyenne",
    "BUREAU_ACTIVE_DAYS_TO_END_MAX": "jours avant la fin prévue du dernier crédit du bureau en cours",
    "BUREAU_ACTIVE_DEBT_SUM": "encours restant dû sur les crédits du bureau en cours",
    "BUREAU_ACTIVE_CREDIT_SUM": "montant des crédits du bureau en cours",
    "BUREAU_ACTIVE_DEBT_CREDIT_RATIO": "restant dû / montant des crédits du bureau en cours",
    "BUREAU_OVERDUE_SUM": "montant actuellement en retard sur les crédits du bureau",
    "BUREAU_OVERDUE_DEBT_RATIO": "montant en retard / encours des crédits du bureau",
    "BUREAU_OVERDUE_COUNT": "crédits du bureau avec un montant actuellement en retard",
    "BUREAU_DAYS_OVERDUE_MAX": "plus grand nombre de jours de retard actuel sur un crédit du bureau",
    "BUREAU_MAX_OVERDUE_EVER": "plus gros montant jamais en retard sur un crédit du bureau",
    "BUREAU_PROLONGED_COUNT": "prolongations des crédits du bureau",
    "BB_MONTH_COUNT": "statuts mensuels déclarés par le bureau",
    "BB_MONTHS_PER_CREDIT_MEAN": "mois d'historique du bureau par crédit, en moyenne",
    "BB_OLDEST_MONTH_MEAN": "mois depuis le premier statut de chaque crédit du bureau, en moyenne",
    "BB_LATE_MONTH_COUNT": "mois où un crédit du bureau a été payé en retard",
    "BB_OPEN_MONTH_COUNT": "mois où un crédit du bureau était ouvert avec un statut connu",
    "BB_LATE_SHARE": "part des mois ouverts du bureau payés en retard",
    "BB_LATE30_MONTH_COUNT": "mois où un crédit du bureau avait plus de 30 jours de retard",
    "BB_LATE_MONTH_COUNT_12M": "mois de retard sur un crédit du bureau dans les 12 derniers mois",
    "BB_WORST_STATUS": "pire statut mensuel du bureau (0 à l'heure .. 5 plus de 120 jours de retard)",
    "PREV_APPLICATION_COUNT": "demandes précédentes",
    "PREV_APPROVED_COUNT": "demandes précédentes acceptées",
    "PREV_REFUSED_COUNT": "demandes précédentes refusées",
    "PREV_REFUSED_SHARE": "part des demandes précédentes refusées",
    "PREV_APPROVED_SHARE": "part des demandes précédentes acceptées",
    "PREV_APPLICATION_COUNT_12M": "demandes précédentes décidées dans les 12 derniers mois",
    "PREV_REFUSED_COUNT_12M": "demandes précédentes refusées dans les 12 derniers mois",
    "PREV_DAYS_SINCE_LAST_DECISION": "jours depuis la dernière décision sur une demande précédente",
    "PREV_DAYS_SINCE_LAST_REFUSAL": "jours depuis le dernier refus d'une demande précédente",
    "PREV_GRANTED_ASKED_RATIO_MEAN": "montant accordé / montant demandé sur les demandes acceptées, en moyenne",
    "PREV_GRANTED_ASKED_RATIO_MIN": "plus faible montant accordé / montant demandé sur une demande acceptée",
    "PREV_APPROVED_CREDIT_SUM": "montant accordé sur les demandes précédentes",
    "PREV_ANNUITY_CREDIT_RATIO_MEAN": "échéance / montant accordé sur les prêts précédents, en moyenne",
    "PREV_TERM_MEAN": "durée des prêts précédents en mois, en moyenne",
    "PREV_ACTIVE_LOAN_COUNT": "prêts précédents en cours de remboursement à la demande",
    "INST_COUNT": "échéances dues avant la demande",
    "INST_LATE_COUNT": "échéances payées après leur date",
    "INST_LATE_SHARE": "part des échéances payées après leur date",
    "INST_MISSED_COUNT": "échéances non payées",
    "INST_UNDERPAID_COUNT": "échéances payées en dessous du montant dû (de plus de 1)",
    "INST_DAYS_LATE_MAX": "plus grand retard de paiement d'une échéance, en jours",
    "INST_DAYS_LATE_MEAN": "jours de retard de paiement, en moyenne sur les échéances payées",
    "INST_DAYS_EARLY_MEAN": "jours d'avance de paiement, en moyenne sur les échéances payées",
    "INST_PAID_DUE_RATIO": "montant payé / montant dû sur toutes les échéances",
    "INST_COUNT_12M": "échéances dues dans les 12 derniers mois",
    "INST_LATE_COUNT_12M": "échéances payées en retard, parmi celles dues dans les 12 derniers mois",
    "INST_MISSED_COUNT_12M": "échéances non payées, parmi celles dues dans les 12 derniers mois",
    "INST_DAYS_SINCE_LAST_PAYMENT": "jours depuis le dernier paiement d'échéance",
    "POS_MONTH_COUNT": "relevés mensuels des prêts au point de vente et en espèces",
    "POS_DPD_MAX": "plus grand nombre de jours de retard sur un prêt au point de vente ou en espèces",
    "POS_DPD_MONTH_COUNT": "mois en retard sur un prêt au point de vente ou en espèces",
    "POS_DPD_DEF_MONTH_COUNT": "mois en retard au-delà du montant toléré sur un prêt au point de vente ou en espèces",
    "POS_DPD_MONTH_COUNT_12M": "mois en retard sur un prêt au point de vente ou en espèces, dans les 12 derniers mois",
    "POS_LOAN_COUNT": "prêts au point de vente et en espèces",
    "POS_COMPLETED_SHARE": "part des prêts au point de vente et en espèces soldés",
    "POS_REMAINING_INSTALMENTS_SUM": "échéances restant à payer sur les prêts au point de vente et en espèces",
    "CC_MONTH_COUNT": "relevés mensuels de carte de crédit",
    "CC_UTILISATION_MEAN": "solde / plafond de la carte, en moyenne sur les mois",
    "CC_UTILISATION_MAX": "plus haut solde / plafond mensuel de la carte",
    "CC_UTILISATION_MEAN_12M": "solde / plafond de la carte, en moyenne sur les 12 derniers mois",
    "CC_BALANCE_MEAN": "solde mensuel de la carte, en moyenne",
    "CC_DRAWINGS_MEAN": "montant utilisé sur les cartes par mois, en moyenne",
    "CC_ATM_DRAWINGS_COUNT_MEAN": "retraits d'espèces par mois, en moyenne",
    "CC_DRAWINGS_COUNT_MAX": "plus grand nombre d'utilisations de la carte en un mois",
    "CC_BELOW_MIN_PAYMENT_MONTH_COUNT": "mois où le paiement de la carte était inférieur au minimum dû",
    "CC_DPD_MAX": "plus grand nombre de jours de retard sur une carte",
    "CC_DPD_MONTH_COUNT": "mois où une carte était en retard",
    "CC_CARD_COUNT": "cartes de crédit chez le prêteur",
    "CC_UTILISATION_LAST": "solde / plafond des cartes au dernier mois connu",
}


def meaning(name: str, lang: str = "en") -> str:
    """A feature's one-line meaning in English (``en``) or French (``fr``)."""
    return MEANINGS_FR[name] if lang == "fr" else feature(name).meaning


def no_history_values() -> dict[str, float]:
    """The values of a client without any record: 0 for counts and sums, NaN otherwise."""
    return {f.name: 0.0 if f.empty == "zero" else math.nan for f in FEATURES}


def _output(f: HistoryFeature) -> str:
    value = f"agg_{f.group}.{f.name}"
    if f.empty == "zero":
        value = f"COALESCE({value}, 0)"
    return f"CAST({value} AS DOUBLE) AS {f.name}"


def history_query() -> str:
    """The whole definition as one DuckDB query over the six tables (by their Kaggle names)
    and ``spine`` (the ``SK_ID_CURR`` to return: one row each, in ascending order)."""
    aggregates = []
    for group, source in GROUPS.items():
        cols = ",\n    ".join(f"{f.sql} AS {f.name}" for f in FEATURES if f.group == group)
        aggregates.append(
            f"agg_{group} AS (\n  SELECT {ID},\n    {cols}\n  FROM {source}\n  GROUP BY {ID}\n)"
        )
    joins = "\n".join(f"LEFT JOIN agg_{g} ON agg_{g}.{ID} = spine.{ID}" for g in GROUPS)
    outputs = ",\n  ".join(_output(f) for f in FEATURES)
    return (
        f"WITH{STAGES},\n"
        + ",\n".join(aggregates)
        + f"\nSELECT spine.{ID},\n  {outputs}\nFROM spine\n{joins}\nORDER BY spine.{ID}"
    )


def definitions_digest() -> str:
    """``sha256:`` + the hash of the query text, whitespace-normalised (meanings and units do
    not change it; any change to what is computed does)."""
    text = re.sub(r"\s+", " ", history_query()).strip()
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def feature_set() -> dict[str, object]:
    """What the model card and the store record of the history features: their names in
    order and the digest of their definitions."""
    return {"names": feature_names(), "digest": definitions_digest()}
