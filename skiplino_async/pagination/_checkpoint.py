"""The paginator's checkpoint: the position a walk has reached, and the dict it is saved as.

A checkpoint is a JSON-serialisable dict, typed as :class:`Checkpoint` (version 2). A list
call's ``resume_from=`` takes it back after :func:`load_checkpoint` has checked every field:
a corrupted or hand-edited checkpoint is an :class:`InvalidCheckpointError` (a
``ValueError``) naming the bad field, never a traceback from deep inside the walk.

Version 2 adds ``recent_ids``, the ids of the last rows handed out (the id window), so a
resumed walk drops the same duplicates the uninterrupted walk would have. Version-1
checkpoints still load (with an empty window).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Final, TypedDict

import attrs

from .._saved import Absent, BadField, absent_defaults, at_least, at_most_items, load
from ..errors import SkiplinoError
from ._decide import WalkState
from ._stats import PaginatorStats
from ._window import ItemId

__all__ = [
    "CHECKPOINT_VERSION",
    "MAX_RECENT_IDS",
    "Checkpoint",
    "CheckpointStats",
    "InvalidCheckpointError",
    "Position",
    "attach_checkpoint",
    "checkpoint_dict",
    "load_checkpoint",
    "resume_position",
    "resume_state",
]

#: Version of the checkpoint format written by :meth:`AsyncPaginator.checkpoint`.
CHECKPOINT_VERSION: Final = 2
#: Versions :func:`load_checkpoint` reads.
READABLE_VERSIONS: Final = (1, 2)
#: A checkpoint carrying more recent ids than this was not written by this SDK.
MAX_RECENT_IDS: Final = 100_000

_COUNT: Final = at_least(0)


class CheckpointStats(TypedDict):
    """The counters a checkpoint carries over to the resumed walk: each is the
    :class:`PaginatorStats` attribute of its name (0 when a checkpoint lacks it)."""

    pages_fetched: Annotated[int, _COUNT]
    duplicates_dropped: Annotated[int, _COUNT]
    drift_events: Annotated[int, _COUNT]
    retries: Annotated[int, _COUNT]
    #: Of ``retries``, the throttled answers (absent from older checkpoints: 0).
    throttled: Annotated[int, _COUNT]


class Checkpoint(TypedDict):
    """``paginator.checkpoint()``: the position after the last item yielded (version 2).

    ``next_page`` is the page the resumed walk requests first, ``offset`` the rows of it
    already passed, ``last_id`` the id of the last row passed (the resume anchor);
    ``recent_ids`` the ids of the last rows handed out, oldest first (de-duplication goes on
    across the resume); ``total_first``/``total_last`` the totals seen.

    Each field's type and rule is declared here only: :func:`load_checkpoint` checks a saved
    checkpoint against them, and what a field an older checkpoint lacks is taken to be
    (:class:`Absent`).
    """

    version: int
    operation: str
    params: dict[str, ItemId]
    page_size: Annotated[int, at_least(1)]
    next_page: Annotated[int, at_least(1)]
    offset: Annotated[int, _COUNT]
    last_id: Annotated[ItemId | None, Absent(None)]
    items_yielded: Annotated[int, _COUNT]
    total_first: Annotated[int | None, _COUNT, Absent(None)]
    total_last: Annotated[int | None, _COUNT, Absent(None)]
    done: bool
    stats: CheckpointStats
    recent_ids: Annotated[list[ItemId], at_most_items(MAX_RECENT_IDS, "ids"), Absent([])]


#: What a checkpoint may leave out (older versions, hand-written ones).
_DEFAULTS: Final = absent_defaults(Checkpoint)
_ZERO_STATS: Final = dict.fromkeys(CheckpointStats.__annotations__, 0)


class InvalidCheckpointError(ValueError):
    """A ``resume_from=`` value that is not a usable checkpoint; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid checkpoint: {message}")
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.field, str(self)))


def _rebuild(field: str, text: str) -> InvalidCheckpointError:
    exc = InvalidCheckpointError(field, "")
    exc.args = (text,)
    return exc


@attrs.define
class Position:
    """Where the walk stands: ``offset`` rows of page ``page`` passed, the last one ``last_id``."""

    page: int
    offset: int = 0
    last_id: ItemId | None = None
    #: ``pagination.total`` of the answer the position was read from.
    total: int | None = None
    done: bool = False
    #: While the rows of a clean page are handed out, the iterator over them (from
    #: ``offset`` on) and the page's ids: the walk then stores nothing per row and
    #: :meth:`settle` reads ``offset``/``last_id`` off the iterator when they are needed.
    rows: Iterator[Any] | None = None
    ids: list[ItemId] = attrs.field(factory=list)

    def settle(self) -> None:
        """Bring ``offset`` and ``last_id`` up to the rows the live iterator has handed out."""
        rows = self.rows
        if rows is None:
            return
        # A list iterator knows how many rows it has left: the row it handed out last (the
        # one the caller may hold) counts as passed, as it would with per-row bookkeeping.
        offset = len(self.ids) - operator.length_hint(rows)
        if offset > self.offset:
            self.offset = offset
            self.last_id = self.ids[offset - 1]


def checkpoint_dict(
    *,
    operation: str,
    params: Mapping[str, ItemId],
    page_size: int,
    pos: Position,
    next_page: int,
    offset: int,
    done: bool,
    stats: PaginatorStats,
    recent_ids: list[ItemId],
) -> Checkpoint:
    """The checkpoint of a walk at ``pos``, resuming at row ``offset`` of ``next_page``."""
    return {
        "version": CHECKPOINT_VERSION,
        "operation": operation,
        "params": dict(params),
        "page_size": page_size,
        "next_page": next_page,
        "offset": offset,
        "last_id": pos.last_id,
        "items_yielded": stats.items_yielded,
        "total_first": stats.first_total,
        "total_last": pos.total,
        "done": done,
        "stats": {name: getattr(stats, name) for name in _ZERO_STATS},  # type: ignore[typeddict-item]
        "recent_ids": recent_ids,
    }


def load_checkpoint(data: object, operation: str) -> Checkpoint:
    """Check a ``resume_from=`` value field by field and return it as a :class:`Checkpoint`.

    Raises :class:`InvalidCheckpointError` (a ``ValueError``) naming the first bad field.
    """
    if not isinstance(data, Mapping):
        raise InvalidCheckpointError(
            "checkpoint",
            f"resume_from must be a dict from paginator.checkpoint(), got {_kind(data)}",
        )
    version = data.get("version")
    if not _is_int(version) or version not in READABLE_VERSIONS:
        raise InvalidCheckpointError(
            "version",
            f"unsupported checkpoint version {version!r} (this SDK reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))})",
        )
    found = data.get("operation")
    if found != operation:
        raise InvalidCheckpointError(
            "operation", f"'operation': this checkpoint is for {found!r}, not {operation!r}"
        )
    filled = {**_DEFAULTS, **data}
    saved = filled.get("stats", {})
    filled["stats"] = {**_ZERO_STATS, **saved} if isinstance(saved, Mapping) else saved
    if version < 2:
        filled["recent_ids"] = []  # version 1 kept no window
    try:
        checkpoint = load(filled, Checkpoint)
    except BadField as exc:
        raise InvalidCheckpointError(exc.path, str(exc)) from None
    _check_consistent(checkpoint)
    checkpoint["version"] = CHECKPOINT_VERSION
    return checkpoint


def _check_consistent(checkpoint: Checkpoint) -> None:
    """What no one field says: the rows passed fit in a page, the limit is the page size."""
    page_size, offset = checkpoint["page_size"], checkpoint["offset"]
    if offset > page_size:
        raise InvalidCheckpointError(
            "offset", f"'offset' must be at most 'page_size' ({page_size}), got {offset!r}"
        )
    limit = checkpoint["params"].get("limit")
    if limit != page_size:
        raise InvalidCheckpointError(
            "params.limit", f"'params.limit' ({limit!r}) and 'page_size' ({page_size}) disagree"
        )


def resume_position(checkpoint: Checkpoint, stats: PaginatorStats) -> Position:
    """The position a checkpoint (from :func:`load_checkpoint`) records.

    ``stats`` takes the counters the checkpoint carries over from the walk(s) before it.
    """
    saved = checkpoint["stats"]
    stats.items_yielded = checkpoint["items_yielded"]
    stats.items_resumed = checkpoint["items_yielded"]
    stats.first_total = checkpoint["total_first"]
    stats.total = checkpoint["total_last"]
    stats.pages_fetched = saved["pages_fetched"]
    stats.duplicates_dropped = saved["duplicates_dropped"]
    stats.drift_events = saved["drift_events"]
    stats.retries = saved["retries"]
    stats.throttled = saved["throttled"]
    return Position(
        page=checkpoint["next_page"],
        offset=checkpoint["offset"],
        last_id=checkpoint["last_id"],
        total=checkpoint["total_last"],
        done=checkpoint["done"],
    )


def resume_state(state: WalkState, pos: Position, *, seeded: bool) -> WalkState:
    """The decision's ``state`` for a walk resumed at ``pos``, before its first page
    (``seeded``: the window holds the checkpoint's ids)."""
    return state._replace(
        prev_total=pos.total,
        prev_number=pos.page - 1 if pos.offset == 0 else None,
        anchor=pos.last_id,
        resumed=True,
        resume_offset=pos.offset,
        seeded=seeded,
    )


def attach_checkpoint(exc: BaseException, checkpoint: Checkpoint) -> None:
    """Set ``exc.checkpoint`` (the position to resume from) on an SDK error."""
    if isinstance(exc, SkiplinoError):
        exc.checkpoint = dict(checkpoint)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
