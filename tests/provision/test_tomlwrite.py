"""The configuration writer: whatever it writes, tomllib reads back the same."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.provision import ProvisionError
from edge.provision.tomlwrite import dump_toml

keys = st.text(min_size=1, max_size=12)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
values = st.one_of(scalars, st.lists(scalars, max_size=4))
tables = st.recursive(
    st.dictionaries(keys, values, max_size=4),
    lambda inner: st.dictionaries(keys, st.one_of(values, inner), max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(keys, tables, max_size=4))
def test_round_trip(document: dict[str, Any]) -> None:
    assert tomllib.loads(dump_toml(document)) == document


def test_special_floats_and_quoted_keys() -> None:
    doc = {"a": {"x y": math.inf, "z": -math.inf, 'q"': "tab\there\x7f"}}
    back = tomllib.loads(dump_toml(doc))
    assert back == doc
    assert math.isnan(tomllib.loads(dump_toml({"n": math.nan}))["n"])


@pytest.mark.parametrize("value", [object(), {1: "x"}, [{"a": 1}], b"bytes"])
def test_unwritable_values_are_refused(value: object) -> None:
    with pytest.raises(ProvisionError):
        dump_toml({"web": {"x": value}})
