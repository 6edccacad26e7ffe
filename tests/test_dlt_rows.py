"""The ids an incremental run stops at: the newest first, none twice, at most 20."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skiplino_async.dlt._rows import NEWEST_KEPT, newest_ids

ids = st.lists(st.sampled_from([f"c{i}" for i in range(40)]), max_size=60)


@given(seen=ids, previous=ids)
def test_newest_ids_keep_this_runs_newest_then_the_older_without_repeats(
    seen: list[str], previous: list[str]
) -> None:
    kept = newest_ids(seen, previous)
    assert len(kept) == len(set(kept)) <= NEWEST_KEPT
    expected = list(dict.fromkeys(seen + previous))[:NEWEST_KEPT]
    assert kept == expected
    # This run's newest come first: a later run meets them before the older ones.
    first = list(dict.fromkeys(seen))[:NEWEST_KEPT]
    assert kept[: len(first)] == first


def test_an_empty_run_keeps_the_previous_ids() -> None:
    assert newest_ids([], ["a", "b"]) == ["a", "b"]
    assert newest_ids(["n"], ["a", "b"]) == ["n", "a", "b"]
