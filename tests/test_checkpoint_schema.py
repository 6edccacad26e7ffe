"""The checkpoint schema: a versioned TypedDict, and corrupted checkpoints refused by field.

A hand-edited or corrupted checkpoint passed as ``resume_from=`` is an
:class:`InvalidCheckpointError` (a ``ValueError``) that names the bad field, raised when the
list call is made, before anything is sent; never an AttributeError, KeyError or TypeError
from inside the walk, and never a silent skip.
"""

from __future__ import annotations

import copy
import json
from typing import Any, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skiplino_async import Checkpoint, Skiplino
from skiplino_async.pagination import InvalidCheckpointError, load_checkpoint
from skiplino_async.testing import FakeSkiplino


async def a_checkpoint(client: Skiplino, n: int = 60) -> dict[str, Any]:
    paginator = client.customers.list(limit=50)
    got = 0
    async for _ in paginator:
        got += 1
        if got == n:
            break
    result: dict[str, Any] = json.loads(json.dumps(paginator.checkpoint()))
    return result


VALID: dict[str, Any] = {
    "version": 2,
    "operation": "customers.list",
    "params": {"limit": 50},
    "page_size": 50,
    "next_page": 2,
    "offset": 10,
    "last_id": "a" * 32,
    "items_yielded": 60,
    "total_first": 137,
    "total_last": 137,
    "done": False,
    "stats": {"pages_fetched": 2, "duplicates_dropped": 0, "drift_events": 0, "retries": 0},
    "recent_ids": ["a" * 32],
}


async def test_checkpoint_is_the_typed_dict_with_every_key(client: Skiplino) -> None:
    checkpoint = await a_checkpoint(client)
    assert set(checkpoint) == set(get_type_hints(Checkpoint))
    assert checkpoint["version"] == 2
    assert checkpoint["done"] is False
    assert checkpoint["items_yielded"] == 60
    # The window rides along: the ids handed out, oldest first, the last one the anchor.
    assert len(checkpoint["recent_ids"]) == 60
    assert checkpoint["recent_ids"][-1] == checkpoint["last_id"]


def test_the_valid_sample_loads() -> None:
    assert load_checkpoint(VALID, "customers.list")["offset"] == 10


async def test_a_version_1_checkpoint_still_resumes(client: Skiplino, fake: FakeSkiplino) -> None:
    expected = [c.id for c in fake.state.iter_customers()]
    checkpoint = await a_checkpoint(client)
    old = {k: v for k, v in checkpoint.items() if k != "recent_ids"}
    old["version"] = 1
    rest = [c.id async for c in client.customers.list(resume_from=old)]
    assert expected[:60] + rest == expected


BAD: list[tuple[str, Any, str]] = [
    ("version", 3, "version"),
    ("version", "2", "version"),
    ("version", True, "version"),
    ("version", None, "version"),
    ("operation", "customers.tickets", "operation"),
    ("params", "limit=50", "params"),
    ("params", None, "params"),
    ("params", {"limit": "50"}, "params.limit"),
    ("params", {"limit": 50, "id": None}, "params.id"),
    ("params", {"limit": 50, "id": 1.5}, "params.id"),
    ("page_size", "50", "page_size"),
    ("page_size", 0, "page_size"),
    ("page_size", 50.0, "page_size"),
    ("next_page", None, "next_page"),
    ("next_page", 0, "next_page"),
    ("next_page", True, "next_page"),
    ("next_page", 1e9, "next_page"),
    ("offset", -1, "offset"),
    ("offset", 1e9, "offset"),
    ("offset", 1_000_000_000, "offset"),
    ("offset", "10", "offset"),
    ("offset", False, "offset"),
    ("items_yielded", -5, "items_yielded"),
    ("items_yielded", "60", "items_yielded"),
    ("items_yielded", None, "items_yielded"),
    ("last_id", 1.5, "last_id"),
    ("last_id", ["x"], "last_id"),
    ("last_id", True, "last_id"),
    ("total_first", "137", "total_first"),
    ("total_last", -1, "total_last"),
    ("total_last", 137.0, "total_last"),
    ("done", "false", "done"),
    ("done", None, "done"),
    ("done", 0, "done"),
    ("stats", "pages_fetched=2", "stats"),
    ("stats", None, "stats"),
    ("stats", [1, 2], "stats"),
    ("stats", {"pages_fetched": "2"}, "stats.pages_fetched"),
    ("stats", {"retries": None}, "stats.retries"),
    ("stats", {"drift_events": 1.0}, "stats.drift_events"),
    ("stats", {"duplicates_dropped": -1}, "stats.duplicates_dropped"),
    ("recent_ids", "abc", "recent_ids"),
    ("recent_ids", None, "recent_ids"),
    ("recent_ids", [None], "recent_ids"),
    ("recent_ids", [1.5], "recent_ids"),
    ("recent_ids", ["x"] * 100_001, "recent_ids"),
]


@pytest.mark.parametrize(("name", "value", "field"), BAD, ids=[f"{b[0]}={b[1]!r:.20}" for b in BAD])
def test_a_corrupted_field_is_a_value_error_naming_it(name: str, value: Any, field: str) -> None:
    bad = {**copy.deepcopy(VALID), name: value}
    with pytest.raises(InvalidCheckpointError) as info:
        load_checkpoint(bad, "customers.list")
    assert isinstance(info.value, ValueError)
    assert info.value.field == field
    assert field.split(".")[-1] in str(info.value)


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_missing_field_is_refused_or_defaulted(name: str) -> None:
    bad = {k: v for k, v in VALID.items() if k != name}
    if name in ("last_id", "total_first", "total_last", "stats", "recent_ids"):
        load_checkpoint(bad, "customers.list")  # optional: null, zeros, empty window
        return
    with pytest.raises(InvalidCheckpointError, match=name):
        load_checkpoint(bad, "customers.list")


@pytest.mark.parametrize("value", [None, "checkpoint", 7, ["version", 2]])
def test_not_a_mapping_is_refused(value: Any) -> None:
    with pytest.raises(InvalidCheckpointError, match="resume_from must be a dict"):
        load_checkpoint(value, "customers.list")


async def test_the_list_call_refuses_it_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    checkpoint = await a_checkpoint(client)
    fake.requests.clear()
    for name, value in [("offset", 1e9), ("stats", "x"), ("next_page", None), ("rows", 1)]:
        broken = {**checkpoint, name: value}
        if name == "rows":
            broken["offset"] = "3"
        with pytest.raises(ValueError, match="invalid checkpoint"):
            client.customers.list(resume_from=broken)
        with pytest.raises(ValueError, match="invalid checkpoint"):
            client.customers.tickets(resume_from={**broken, "operation": "customers.tickets"})
    assert fake.requests == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    name=st.sampled_from([*sorted(VALID), "stats.pages_fetched", "stats.retries", "params.limit"]),
    value=JSON,
)
def test_any_mutation_loads_cleanly_or_is_a_value_error(name: str, value: Any) -> None:
    bad = copy.deepcopy(VALID)
    if "." in name:
        outer, inner = name.split(".")
        bad[outer][inner] = value
    else:
        bad[name] = value
    error: InvalidCheckpointError | None = None
    try:
        loaded = load_checkpoint(bad, "customers.list")
    except InvalidCheckpointError as exc:
        error = exc
    if error is not None:
        assert error.field.split(".")[0] in {name.split(".")[0], "params"}
        return
    # Whatever loads is well-typed: the walk can rely on every field.
    for key in ("page_size", "next_page", "offset", "items_yielded"):
        assert type(loaded[key]) is int
        assert loaded[key] >= 0
    assert 0 <= loaded["offset"] <= loaded["page_size"]
    assert isinstance(loaded["done"], bool)
    assert all(type(v) is int and v >= 0 for v in loaded["stats"].values())
    assert all(isinstance(i, str | int) for i in loaded["recent_ids"])
