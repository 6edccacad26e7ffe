"""The pure decision of a walk: given where it stands and one page answer, what to do.

:func:`decide` does no I/O and keeps no state of its own: the walk passes the state the
previous page left (:class:`WalkState`), the answer (:class:`Answer`) and the ids the window
still remembers, and gets back a :class:`Decision`: where on the page to start, which rows
to hand out, whether to read the previous page again first, which page comes next, and the
new state; or a :class:`Violation` when the answer proves the server is not paginating.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Final, Literal, NamedTuple

from ._drift import DriftEvent
from ._window import ItemId

__all__ = [
    "MAX_STALE_PAGES",
    "Answer",
    "Decision",
    "Violation",
    "ViolationKind",
    "WalkState",
    "decide",
    "fresh_indices",
    "recovered_start",
]

#: This many pages in a row without one id the walk has not handed out yet is a server
#: repeating itself (page ignored, pages cycling): the walk ends with an error.
MAX_STALE_PAGES: Final = 3

ViolationKind = Literal["over_limit", "past_end", "stale", "no_end"]


class Violation(NamedTuple):
    """What the server did that no paginated list can do; the walk raises it."""

    kind: ViolationKind
    message: str


class Answer(NamedTuple):
    """One page answer as the decision sees it: the page asked for, row ids, the block."""

    number: int
    ids: Sequence[ItemId]
    total: int | None = None
    total_pages: int | None = None
    has_next: bool | None = None


class WalkState(NamedTuple):
    """Where a walk stands between two page answers."""

    limit: int
    #: Rows the id window remembers at least (the "no_end" rule keeps within it).
    window_rows: int
    #: Whether pages may be answered out of order (more than one request in flight).
    concurrent: bool = False
    prev_total: int | None = None
    #: The page read before (the one to read again when rows slid back onto it).
    prev_number: int | None = None
    #: The id of the last row of the previous page (or the checkpoint's last row).
    anchor: ItemId | None = None
    first: bool = True
    resumed: bool = False
    #: Rows of the first page the checkpoint had passed already (resuming mid-page).
    resume_offset: int = 0
    #: Pages in a row that brought no new id.
    stale: int = 0
    #: Rows walked since an answer last said where the list ends (total or totalPages).
    blind_rows: int = 0
    #: Whether the window holds the ids the checkpoint carried (a version-2 resume).
    seeded: bool = False


class Decision(NamedTuple):
    """What to do with one answer. ``error`` set: raise it, hand out nothing of the page."""

    state: WalkState
    #: The row to start at (after the resume anchor, for a resumed walk's first page).
    start: int = 0
    #: Indices (from ``start``) of the rows to hand out; ``None``: every row from ``start``.
    fresh: Sequence[int] | None = None
    #: Rows not handed out: already handed out, or passed before the checkpoint.
    skipped: int = 0
    #: Read this page again first: rows slid back across the boundary onto it.
    reread: int | None = None
    event: DriftEvent | None = None
    #: The page to take next; ``None``: the walk is complete.
    next: int | None = None
    error: Violation | None = None


def fresh_indices(
    ids: Sequence[ItemId], start: int, seen: Container[ItemId]
) -> Sequence[int] | None:
    """Indices from ``start`` of ids not in ``seen`` and not repeated earlier on the page.

    ``None`` when that is every row from ``start`` (the common case, checked in C).
    """
    rest = ids[start:]
    unique = set(rest)
    if len(unique) == len(rest) and (
        unique.isdisjoint(seen) if isinstance(seen, (set, frozenset)) else not _any_in(rest, seen)
    ):
        return None
    picked: list[int] = []
    here: set[ItemId] = set()
    for idx in range(start, len(ids)):
        item_id = ids[idx]
        if item_id in seen or item_id in here:
            continue
        here.add(item_id)
        picked.append(idx)
    return picked


def recovered_start(ids: Sequence[ItemId], anchor: ItemId | None) -> int | None:
    """Where the rows that slid back onto a re-read page start (after ``anchor``)."""
    at = _index(ids, anchor) if anchor is not None else None
    if at is None or at + 1 >= len(ids):
        return None
    return at + 1


def decide(state: WalkState, answer: Answer, seen: Container[ItemId] | None) -> Decision:
    """Decide what to do with ``answer``, ``seen`` being the ids already handed out.

    ``seen=None``: the caller knows every id of the answer is distinct and not handed out
    yet (the id window claimed them), so no id needs looking up here.
    """
    count = len(answer.ids)
    end = _last_page(answer.total, answer.total_pages, state.limit)
    blind = 0 if end is not None else state.blind_rows + count
    refused = _refusal(state, answer, count, end, blind)
    if refused is not None:
        return refused
    return _hand_out(state, answer, seen, _place(state, answer), blind)


class _Place(NamedTuple):
    """Where on the page the walk goes on, and what moved since the page before."""

    start: int = 0
    #: Rows before ``start`` counted as dropped (pushed past the boundary since).
    skipped: int = 0
    #: Rows the checkpoint had passed that the window drops (not counted as skipped).
    passed: int = 0
    reread: int | None = None
    event: DriftEvent | None = None


#: The place on a page after a page whose total it repeats: from its first row, no drift.
_CLEAN: Final = _Place()


def _refusal(
    state: WalkState, answer: Answer, count: int, end: int | None, blind: int
) -> Decision | None:
    """The decision refusing an answer no paginated list can give (``None``: it can)."""
    number, limit = answer.number, state.limit
    if count > limit:
        return _refuse(
            state,
            "over_limit",
            f"page {number} has {count} rows for limit={limit}: the server ignores the limit",
        )
    if count and end is not None and number > end:
        return _refuse(
            state,
            "past_end",
            f"page {number} has {count} rows but the same answer says the list has "
            f"{end} pages (total={answer.total}, totalPages={answer.total_pages}): the server "
            "keeps saying hasNextPage past the end",
        )
    if blind >= state.window_rows:
        return _refuse(
            state,
            "no_end",
            f"{blind} rows without a total or totalPages from the server: past that, rows it "
            f"repeats could no longer be recognised (the walk remembers {state.window_rows})",
        )
    return None


def _place(state: WalkState, answer: Answer) -> _Place:
    """Where to start on the page: after a resume anchor, or at 0 with drift noted."""
    prev_total = state.prev_total
    changed = prev_total is not None and answer.total != prev_total
    if not (state.first or changed):
        return _CLEAN  # the common page: no anchor to look for, no scan
    anchor = state.anchor
    found = _index(answer.ids, anchor) if anchor is not None else None
    if state.first and state.resumed and found is not None:
        place = _resumed_at(state, found)
    elif state.first and state.resume_offset > 0:
        place = _anchor_lost(state, answer)
    elif changed:
        place = _moved(state, answer, found)
    else:
        place = _CLEAN
    if place.event is None and changed:
        place = place._replace(event=DriftEvent(answer.number, prev_total, answer.total))
    return place


def _resumed_at(state: WalkState, found: int) -> _Place:
    """A resumed walk's first page holding the checkpoint's last row, at ``found``."""
    if state.seeded:
        # The window knows what was handed out: any row of the page it does not know
        # goes out, even one the server now lists before the last row passed.
        return _Place(passed=found + 1 if state.resume_offset else 0)
    # Resuming: go on right after the last row passed, wherever the list moved it.
    start = found + 1
    # At a page boundary, rows found before the anchor were pushed past it since.
    return _Place(start=start, skipped=start if state.resume_offset == 0 else 0)


def _anchor_lost(state: WalkState, answer: Answer) -> _Place:
    """A walk resumed mid-page whose last row is gone (deleted, or moved off the page)."""
    count, total, prev_total = len(answer.ids), answer.total, state.prev_total
    event = DriftEvent(answer.number, prev_total, total, anchor_lost=True)
    if state.seeded:  # the window drops the rows passed, wherever they are now
        return _Place(passed=min(state.resume_offset, count), event=event)
    # Insertions (at the top) and deletions above it moved its place by the change in total.
    moved = total - prev_total if total is not None and prev_total else 0
    return _Place(start=max(0, min(state.resume_offset + moved, count)), event=event)


def _moved(state: WalkState, answer: Answer, found: int | None) -> _Place:
    """The total changed since the page before: drift, and maybe a page to read again."""
    total, prev_total = answer.total, state.prev_total
    # Answered one after the other, pages can only lose rows across the boundary when
    # the total fell; prefetched answers come in any order.
    shrank = total is None or (prev_total is not None and total < prev_total)
    lost = found is None and state.anchor is not None and (shrank or state.concurrent)
    reread = state.prev_number if lost and state.prev_number else None
    return _Place(reread=reread, event=DriftEvent(answer.number, prev_total, total))


def _hand_out(
    state: WalkState, answer: Answer, seen: Container[ItemId] | None, place: _Place, blind: int
) -> Decision:
    """The rows of the page to hand out from ``place.start``, the new state, the next page."""
    number, ids, total, total_pages, has_next = answer
    start, skipped, passed, reread, event = place
    count = len(ids)
    if start >= count:
        fresh: Sequence[int] | None = ()
    elif seen is None:
        fresh = None
    else:
        fresh = fresh_indices(ids, start, seen)
    handed = count - start if fresh is None else len(fresh)
    skipped += max(0, count - start - handed - passed)
    stale = state.stale + 1 if count and not handed else 0
    if stale >= MAX_STALE_PAGES:
        return _refuse(
            state,
            "stale",
            f"{stale} pages in a row up to page {number} brought no row not seen already: "
            "the server repeats pages (it may ignore ?page=)",
        )
    # ``__new__`` called directly takes the keywords as they are; ``WalkState(...)`` with
    # keywords packs them in a dict first (0.6 µs of a 2 µs decision).
    new_state = WalkState.__new__(
        WalkState,
        limit=state.limit,
        window_rows=state.window_rows,
        concurrent=state.concurrent,
        prev_total=total,
        prev_number=number,
        anchor=ids[-1] if count else state.anchor,
        first=False,
        resumed=state.resumed,
        resume_offset=0,
        stale=stale,
        blind_rows=blind,
        seeded=False,
    )
    nxt = _next_page(number, count, state.limit, has_next, total_pages)
    return Decision(new_state, start, fresh, skipped, reread, event, nxt)


def _refuse(state: WalkState, kind: ViolationKind, message: str) -> Decision:
    return Decision(state, error=Violation(kind, message))


def _last_page(total: int | None, total_pages: int | None, limit: int) -> int | None:
    """The last page the answer says exists (the larger reading, when both are given)."""
    by_total = -(-total // limit) if total is not None else None
    if total_pages is None:
        return by_total
    if by_total is None:
        return total_pages
    return max(total_pages, by_total)


def _next_page(
    number: int, count: int, limit: int, has_next: bool | None, total_pages: int | None
) -> int | None:
    """Follow ``hasNextPage``, then ``page < totalPages``, then "the page was full"."""
    if count == 0:
        return None
    if has_next is not None:
        return number + 1 if has_next else None
    if total_pages is not None:
        return number + 1 if number < total_pages else None
    return number + 1 if count >= limit else None


def _any_in(ids: Sequence[ItemId], seen: Container[ItemId]) -> bool:
    return any(item_id in seen for item_id in ids)


def _index(ids: Sequence[ItemId], wanted: ItemId) -> int | None:
    try:
        return list(ids).index(wanted) if not isinstance(ids, list) else ids.index(wanted)
    except ValueError:
        return None
