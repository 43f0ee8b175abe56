"""The output layer's own JSON writer against the standard library's."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backpain_cli.cli.output import compact_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(data=JSON_VALUES, ascii_only=st.booleans())
def test_compact_json_is_what_json_dumps_writes(data: Any, ascii_only: bool) -> None:
    assert compact_json(data, ascii_only=ascii_only) == json.dumps(data, ensure_ascii=ascii_only)


def test_compact_json_refuses_what_json_refuses() -> None:
    for value in ({1, 2}, object(), b"bytes"):
        try:
            compact_json({"x": value}, ascii_only=True)
        except TypeError as error:
            assert type(value).__name__ in str(error)
        else:  # pragma: no cover - the assertion
            raise AssertionError(f"{value!r} was written as JSON")
