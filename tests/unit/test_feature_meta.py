"""The feature metadata table: every field of the schema and every derived feature has a
people's label in English and French, a unit and a group; the UI's part needs no NumPy."""

import subprocess
import sys
from typing import get_args

import pytest

from credit_core import feature_meta
from credit_core.features import DERIVED
from credit_core.schema import application_schema

SCHEMA = application_schema()


def _raw_words(name: str) -> str:
    text = name.replace("_", " ").lower()
    return text[:1].upper() + text[1:]


@pytest.mark.parametrize("name", [*SCHEMA.names(), *DERIVED])
def test_every_field_and_feature_has_labels_unit_group_and_description(name):
    meta = feature_meta.meta(name)
    assert meta is not None, f"{name} is missing from credit_core.feature_meta"
    for lang in ("en", "fr"):
        text = meta.label(lang)
        assert text.strip() and text != name and text != _raw_words(name), (name, lang, text)
        assert "_" not in text, (name, lang, text)
    assert meta.unit in get_args(feature_meta.Unit)
    assert meta.group in feature_meta.GROUPS
    assert meta.description.strip()


def test_labels_are_unique_per_language():
    for lang in ("en", "fr"):
        labels = [m.label(lang) for m in feature_meta.FEATURES.values()]
        assert len(labels) == len(set(labels)), lang


def test_categorical_fields_are_category_units_and_numeric_ones_are_not():
    for col in SCHEMA.columns:
        assert (feature_meta.unit_of(col.name) == "category") == col.is_categorical, col.name


@pytest.mark.parametrize("col", SCHEMA.categorical, ids=lambda c: c.name)
def test_every_category_level_reads_in_french(col):
    # a level may keep its spelling in French only when it is the same word (e.g. "Police")
    translated = [lvl for lvl in col.levels if feature_meta.level_label(col.name, lvl, "fr") != lvl]
    assert len(translated) >= len(col.levels) * 0.7, (col.name, set(col.levels) - set(translated))
    for lvl in col.levels:
        assert feature_meta.level_label(col.name, lvl, "en").strip()


def test_unknown_names_still_read_as_words():
    assert feature_meta.label("BUREAU_DEBT_RATIO") == "Bureau debt ratio"
    assert feature_meta.unit_of("BUREAU_DEBT_RATIO") == "plain"
    assert feature_meta.level_label("CODE_GENDER", "new level", "fr") == "new level"


def test_what_the_ui_imports_needs_no_numpy():
    code = (
        "import sys; import credit_core.units, credit_core.feature_meta; "
        "bad = {'numpy', 'pandas', 'lightgbm'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_history_features_read_from_their_own_definitions():
    from credit_core.history.definitions import FEATURES as HISTORY

    for f in HISTORY:
        meta = feature_meta.meta(f.name)
        assert meta is not None and meta.group == "history", f.name
        assert meta.label("en").lower() == f.meaning.lower()
        assert meta.label("fr") != meta.label("en") and "_" not in meta.label("fr")
