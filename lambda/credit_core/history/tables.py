"""The six Home Credit history tables as the Kaggle files ship them: file name, column order
and the dtype pandas reads (public statistics, ``home_credit_history_stats.json``).

``int`` = int64, ``float`` = float64, ``text`` = object (strings). Relative times (``DAYS_*``,
``MONTHS_BALANCE``) count back from the client's current application: 0 is its day or month,
negative is before it; ``previous_application`` writes 365243 for a date that has not happened.
"""

from __future__ import annotations

from typing import Literal

Dtype = Literal["int", "float", "text"]
INT: Dtype = "int"
FLT: Dtype = "float"
TXT: Dtype = "text"

TABLES: dict[str, tuple[tuple[str, Dtype], ...]] = {
    "bureau": (
        ("SK_ID_CURR", INT), ("SK_ID_BUREAU", INT), ("CREDIT_ACTIVE", TXT), ("CREDIT_CURRENCY", TXT),
        ("DAYS_CREDIT", INT), ("CREDIT_DAY_OVERDUE", INT), ("DAYS_CREDIT_ENDDATE", FLT),
        ("DAYS_ENDDATE_FACT", FLT), ("AMT_CREDIT_MAX_OVERDUE", FLT), ("CNT_CREDIT_PROLONG", INT),
        ("AMT_CREDIT_SUM", FLT), ("AMT_CREDIT_SUM_DEBT", FLT), ("AMT_CREDIT_SUM_LIMIT", FLT),
        ("AMT_CREDIT_SUM_OVERDUE", FLT), ("CREDIT_TYPE", TXT), ("DAYS_CREDIT_UPDATE", INT),
        ("AMT_ANNUITY", FLT),
    ),
    "bureau_balance": (("SK_ID_BUREAU", INT), ("MONTHS_BALANCE", INT), ("STATUS", TXT)),
    "previous_application": (
        ("SK_ID_PREV", INT), ("SK_ID_CURR", INT), ("NAME_CONTRACT_TYPE", TXT), ("AMT_ANNUITY", FLT),
        ("AMT_APPLICATION", FLT), ("AMT_CREDIT", FLT), ("AMT_DOWN_PAYMENT", FLT), ("AMT_GOODS_PRICE", FLT),
        ("WEEKDAY_APPR_PROCESS_START", TXT), ("HOUR_APPR_PROCESS_START", INT),
        ("FLAG_LAST_APPL_PER_CONTRACT", TXT), ("NFLAG_LAST_APPL_IN_DAY", INT),
        ("RATE_DOWN_PAYMENT", FLT), ("RATE_INTEREST_PRIMARY", FLT), ("RATE_INTEREST_PRIVILEGED", FLT),
        ("NAME_CASH_LOAN_PURPOSE", TXT), ("NAME_CONTRACT_STATUS", TXT), ("DAYS_DECISION", INT),
        ("NAME_PAYMENT_TYPE", TXT), ("CODE_REJECT_REASON", TXT), ("NAME_TYPE_SUITE", TXT),
        ("NAME_CLIENT_TYPE", TXT), ("NAME_GOODS_CATEGORY", TXT), ("NAME_PORTFOLIO", TXT),
        ("NAME_PRODUCT_TYPE", TXT), ("CHANNEL_TYPE", TXT), ("SELLERPLACE_AREA", INT),
        ("NAME_SELLER_INDUSTRY", TXT), ("CNT_PAYMENT", FLT), ("NAME_YIELD_GROUP", TXT),
        ("PRODUCT_COMBINATION", TXT), ("DAYS_FIRST_DRAWING", FLT), ("DAYS_FIRST_DUE", FLT),
        ("DAYS_LAST_DUE_1ST_VERSION", FLT), ("DAYS_LAST_DUE", FLT), ("DAYS_TERMINATION", FLT),
        ("NFLAG_INSURED_ON_APPROVAL", FLT),
    ),
    "POS_CASH_balance": (
        ("SK_ID_PREV", INT), ("SK_ID_CURR", INT), ("MONTHS_BALANCE", INT), ("CNT_INSTALMENT", FLT),
        ("CNT_INSTALMENT_FUTURE", FLT), ("NAME_CONTRACT_STATUS", TXT), ("SK_DPD", INT),
        ("SK_DPD_DEF", INT),
    ),
    "installments_payments": (
        ("SK_ID_PREV", INT), ("SK_ID_CURR", INT), ("NUM_INSTALMENT_VERSION", FLT),
        ("NUM_INSTALMENT_NUMBER", INT), ("DAYS_INSTALMENT", FLT), ("DAYS_ENTRY_PAYMENT", FLT),
        ("AMT_INSTALMENT", FLT), ("AMT_PAYMENT", FLT),
    ),
    "credit_card_balance": (
        ("SK_ID_PREV", INT), ("SK_ID_CURR", INT), ("MONTHS_BALANCE", INT), ("AMT_BALANCE", FLT),
        ("AMT_CREDIT_LIMIT_ACTUAL", INT), ("AMT_DRAWINGS_ATM_CURRENT", FLT),
        ("AMT_DRAWINGS_CURRENT", FLT), ("AMT_DRAWINGS_OTHER_CURRENT", FLT),
        ("AMT_DRAWINGS_POS_CURRENT", FLT), ("AMT_INST_MIN_REGULARITY", FLT),
        ("AMT_PAYMENT_CURRENT", FLT), ("AMT_PAYMENT_TOTAL_CURRENT", FLT),
        ("AMT_RECEIVABLE_PRINCIPAL", FLT), ("AMT_RECIVABLE", FLT), ("AMT_TOTAL_RECEIVABLE", FLT),
        ("CNT_DRAWINGS_ATM_CURRENT", FLT), ("CNT_DRAWINGS_CURRENT", INT),
        ("CNT_DRAWINGS_OTHER_CURRENT", FLT), ("CNT_DRAWINGS_POS_CURRENT", FLT),
        ("CNT_INSTALMENT_MATURE_CUM", FLT), ("NAME_CONTRACT_STATUS", TXT), ("SK_DPD", INT),
        ("SK_DPD_DEF", INT),
    ),
}  # fmt: skip

SENTINEL_NOT_HAPPENED = 365243  # previous_application's DAYS_* for "not happened"


def file_name(table: str) -> str:
    """The Kaggle file name of a table (``POS_CASH_balance`` keeps its capitals)."""
    if table not in TABLES:
        raise KeyError(f"unknown history table {table!r}; known: {', '.join(TABLES)}")
    return f"{table}.csv"


def column_names(table: str) -> list[str]:
    """Column names of a table in file order."""
    return [name for name, _ in TABLES[table]]
