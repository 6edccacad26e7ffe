"""The pure pagination decision, as a table and against generated page sequences.

``decide(state, answer, seen)`` does no I/O, so every rule is checked here without a socket;
``test_pagination_hostile`` checks the same properties through a real walk over TCP.
"""

from __future__ import annotations

from typing import Any

import pytest
from _page_scripts import LIMIT, Script, scripts, stable_lists, walk_bound
from hypothesis import given, settings

from skiplino_async.pagination import MAX_STALE_PAGES
from skiplino_async.pagination._decide import (
    Answer,
    WalkState,
    decide,
    fresh_indices,
    recovered_start,
)
from skiplino_async.pagination._window import IdWindow, window_rows

L = 10
W = window_rows(L, 1)


def state(**changes: Any) -> WalkState:
    base: dict[str, Any] = {"limit": L, "window_rows": W}
    base.update(changes)
    return WalkState(**base)


def page(number: int, ids: list[str], **block: Any) -> Answer:
    return Answer(number, ids, **block)


ROWS = [f"r{i:02d}" for i in range(30)]

# (name, state, answer, seen, expected decision fields)
TABLE: list[tuple[str, WalkState, Answer, set[str], dict[str, Any]]] = [
    (
        "a full first page goes out whole and points at the next",
        state(),
        page(1, ROWS[:10], total=30, total_pages=3, has_next=True),
        set(),
        {"start": 0, "fresh": None, "next": 2, "skipped": 0, "error": None},
    ),
    (
        "hasNextPage false ends the walk whatever totalPages says",
        state(),
        page(1, ROWS[:10], total=30, total_pages=3, has_next=False),
        set(),
        {"next": None, "error": None},
    ),
    (
        "without hasNextPage, totalPages decides",
        state(),
        page(3, ROWS[20:30], total=30, total_pages=3),
        set(),
        {"next": None},
    ),
    (
        "without any block, a full page means more",
        state(),
        page(1, ROWS[:10]),
        set(),
        {"next": 2},
    ),
    (
        "an empty page ends the walk even if hasNextPage says more",
        state(),
        page(4, [], total=30, total_pages=3, has_next=True),
        set(),
        {"next": None, "error": None},
    ),
    (
        "rows already handed out are dropped and counted",
        state(prev_total=30, prev_number=1, anchor="r09"),
        page(2, ROWS[8:18], total=30, total_pages=3, has_next=True),
        {"r08", "r09"},
        {"fresh": list(range(2, 10)), "skipped": 2, "stale": 0},
    ),
    (
        "a row twice on one page goes out once",
        state(),
        page(1, ["a", "b", "a"], total=3, total_pages=1, has_next=False),
        set(),
        {"fresh": [0, 1], "skipped": 1},
    ),
    (
        "more rows than limit: refused",
        state(),
        page(1, [*ROWS[:10], "extra"], total=31, total_pages=4, has_next=True),
        set(),
        {"error": "over_limit"},
    ),
    (
        "rows past the end the answer itself allows: refused",
        state(prev_total=30, prev_number=3, anchor="r29"),
        page(4, ["n1"], total=30, total_pages=3, has_next=True),
        set(ROWS),
        {"error": "past_end"},
    ),
    (
        "one page past totalPages is read to honour hasNextPage",
        state(prev_total=30, prev_number=2, anchor="r19"),
        page(3, ROWS[20:30], total=30, total_pages=3, has_next=True),
        set(ROWS[:20]),
        {"next": 4, "error": None},
    ),
    (
        "the third page in a row without a new id: stale, drift or not",
        state(prev_total=30, prev_number=2, anchor="r09", stale=MAX_STALE_PAGES - 1),
        page(3, ROWS[:10], total=31, total_pages=4, has_next=True),
        set(ROWS[:10]),
        {"error": "stale"},
    ),
    (
        "a page with one new id resets the stale count",
        state(prev_total=30, prev_number=2, anchor="r09", stale=MAX_STALE_PAGES - 1),
        page(3, [*ROWS[:9], "new"], total=30, total_pages=3, has_next=True),
        set(ROWS[:10]),
        {"fresh": [9], "stale": 0, "error": None},
    ),
    (
        "rows without total or totalPages, as many as the window: no_end",
        state(blind_rows=W - 5),
        page(100, ROWS[:10]),
        set(),
        {"error": "no_end"},
    ),
    (
        "an answer with a total resets the blind count",
        state(blind_rows=W - 5),
        page(100, ROWS[:10], total=2000),
        set(),
        {"error": None},
    ),
    (
        "total fell and the anchor is gone: read the previous page again",
        state(prev_total=30, prev_number=1, anchor="r09"),
        page(2, ROWS[12:22], total=28, total_pages=3, has_next=True),
        set(ROWS[:10]),
        {"reread": 1, "event": (2, 30, 28)},
    ),
    (
        "total grew: drift, but one request at a time cannot skip, no re-read",
        state(prev_total=30, prev_number=1, anchor="r09"),
        page(2, ROWS[9:19], total=31, total_pages=4, has_next=True),
        set(ROWS[:10]),
        {"reread": None, "event": (2, 30, 31), "skipped": 1},
    ),
    (
        "total grew with requests in flight and the anchor missing: re-read",
        state(prev_total=30, prev_number=1, anchor="r09", concurrent=True),
        page(2, ROWS[11:21], total=31, total_pages=4, has_next=True),
        set(ROWS[:10]),
        {"reread": 1},
    ),
    (
        "resumed without a window: start right after the anchor",
        state(resumed=True, prev_total=30, anchor="r04", resume_offset=5),
        page(1, ROWS[:10], total=30, total_pages=3, has_next=True),
        set(),
        {"start": 5, "fresh": None, "skipped": 0},
    ),
    (
        "resumed with a window: any row it does not know goes out",
        state(resumed=True, seeded=True, prev_total=30, anchor="r04", resume_offset=5),
        page(1, ["r04", "r00", "r07", "r01", "r05", "r02", "r06", "r03", "r08", "r09"]),
        set(ROWS[:5]),
        # r00-r03 came back after the anchor: repeats; r04, passed already, is not one.
        {"start": 0, "fresh": [2, 4, 6, 8, 9], "skipped": 4},
    ),
    (
        "resumed, anchor lost, no window: the offset moved by the change in total",
        state(resumed=True, prev_total=30, anchor="gone", resume_offset=5),
        page(1, ROWS[:10], total=32, total_pages=4, has_next=True),
        set(),
        {"start": 7, "event": (1, 30, 32)},
    ),
]


@pytest.mark.parametrize(
    ("walk", "answer", "seen", "expected"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_decision_table(
    walk: WalkState, answer: Answer, seen: set[str], expected: dict[str, Any]
) -> None:
    decision = decide(walk, answer, frozenset(seen))
    for name, value in expected.items():
        if name == "error":
            got = decision.error.kind if decision.error is not None else None
        elif name == "event":
            e = decision.event
            got = (e.page, e.previous_total, e.total) if e is not None else None
        elif name == "stale":
            got = decision.state.stale
        elif name == "fresh":
            got = list(decision.fresh) if decision.fresh is not None else None
        else:
            got = getattr(decision, name)
        assert got == value, name
    if decision.error is not None:
        assert decision.error.message


def test_fresh_indices_and_recovered_start() -> None:
    assert fresh_indices(["a", "b"], 0, set()) is None
    assert fresh_indices(["a", "b", "c"], 1, {"c"}) == [1]
    assert fresh_indices(["a", "a"], 0, set()) == [0]
    assert recovered_start(["a", "b", "c"], "a") == 1
    assert recovered_start(["a", "b", "c"], "c") is None
    assert recovered_start(["a", "b"], "zz") is None


def simulate(script: Script, limit: int = LIMIT) -> tuple[list[str], int, str | None]:
    """The walk's loop without I/O: ids handed out, answers read, how it ended."""
    rows = window_rows(limit, 1)
    window = IdWindow(rows)
    walk = WalkState(limit, rows)
    number: int | None = 1
    out: list[str] = []
    reads = 0
    cap = 10 * walk_bound(len(script.distinct()))
    while number is not None and reads < cap:
        reply = script.reply(number)
        reads += 1
        decision = decide(
            walk,
            Answer(number, list(reply.ids), reply.total, reply.total_pages, reply.has_next)
            if reply.present
            else Answer(number, list(reply.ids)),
            window.ids,
        )
        if decision.error is not None:
            return out, reads, decision.error.kind
        if decision.reread is not None:
            reads += 1
            again = list(script.reply(decision.reread).ids)
            start = recovered_start(again, walk.anchor)
            if start is not None:
                fresh = fresh_indices(again, start, window.ids)
                back = again[start:] if fresh is None else [again[i] for i in fresh]
                window.add(back)
                out += back
        ids = list(reply.ids)
        fresh = fresh_indices(ids, decision.start, window.ids)
        chunk = ids[decision.start :] if fresh is None else [ids[i] for i in fresh]
        window.add(chunk)
        out += chunk
        walk = decision.state
        number = decision.next
    return out, reads, None if number is None else "did not end"


@settings(max_examples=150, deadline=None, derandomize=True)
@given(script=scripts)
def test_any_page_sequence_ends_within_the_bound_without_a_repeat(script: Script) -> None:
    out, reads, ending = simulate(script)
    assert ending != "did not end"
    assert reads <= walk_bound(len(script.distinct()), in_flight=0)
    assert len(out) == len(set(out))
    assert set(out) <= script.distinct()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(case=stable_lists())
def test_a_stable_list_is_handed_out_exactly_once_in_order(
    case: tuple[list[str], Script],
) -> None:
    rows, script = case
    out, _, ending = simulate(script)
    assert ending is None
    assert out == rows


def test_the_window_is_bounded_in_rows_not_pages() -> None:
    window = IdWindow(100)
    for n in range(10_000):
        window.add([f"{n}-{i}" for i in range(10)])
        window.add([])  # a page of duplicates adds nothing
    assert 100 <= len(window) <= 110
    assert len(window.ids) == len(window)
    assert window.recent()[-1] == "9999-9"
    assert len(window.recent()) == 100
