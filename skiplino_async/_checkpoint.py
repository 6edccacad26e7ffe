"""The paginator's checkpoint: the position a walk has reached, and the dict it is saved as.

A checkpoint is a JSON-serialisable dict (its keys are listed in
:meth:`~skiplino_async.pagination.AsyncPaginator.checkpoint`); a list call's ``resume_from=``
takes it back, after :func:`resume_params` has validated it.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs

from ._stats import PaginatorStats
from .errors import SkiplinoError

__all__ = [
    "CHECKPOINT_VERSION",
    "Position",
    "attach_checkpoint",
    "checkpoint_dict",
    "resume_params",
    "resume_position",
]

#: Version of the checkpoint format written by :meth:`AsyncPaginator.checkpoint`.
CHECKPOINT_VERSION: Final = 1


@attrs.define
class Position:
    """Where the walk stands: ``offset`` rows of page ``page`` passed, the last one ``last_id``."""

    page: int
    offset: int = 0
    last_id: Any = None
    #: ``pagination.total`` of the answer the position was read from.
    total: int | None = None
    done: bool = False
    #: While the rows of a clean page are handed out, the iterator over them (from
    #: ``offset`` on) and the page's ids: the walk then stores nothing per row and
    #: :meth:`settle` reads ``offset``/``last_id`` off the iterator when they are needed.
    rows: Iterator[Any] | None = None
    ids: list[Any] = attrs.field(factory=list)

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
    params: Mapping[str, Any],
    page_size: int,
    pos: Position,
    next_page: int,
    offset: int,
    done: bool,
    stats: PaginatorStats,
) -> dict[str, Any]:
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
        "stats": {
            "pages_fetched": stats.pages_fetched,
            "duplicates_dropped": stats.duplicates_dropped,
            "drift_events": stats.drift_events,
            "retries": stats.retries,
        },
    }


def resume_params(checkpoint: Mapping[str, Any], operation: str) -> dict[str, Any]:
    """Validate a checkpoint for ``operation`` and return its operation parameters.

    Raises :class:`ValueError` when it is not a checkpoint of this operation.
    """
    if not isinstance(checkpoint, Mapping):
        raise ValueError("resume_from must be a checkpoint dict from paginator.checkpoint()")
    if checkpoint.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"unsupported checkpoint version {checkpoint.get('version')!r} "
            f"(expected {CHECKPOINT_VERSION})"
        )
    if checkpoint.get("operation") != operation:
        raise ValueError(
            f"this checkpoint is for {checkpoint.get('operation')!r}, not {operation!r}"
        )
    params = checkpoint.get("params")
    if not isinstance(params, Mapping):
        raise ValueError("checkpoint has no 'params' mapping")
    for name in ("next_page", "offset", "page_size", "items_yielded"):
        value = checkpoint.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"checkpoint field {name!r} must be an int >= 0, got {value!r}")
    if checkpoint["next_page"] < 1 or checkpoint["page_size"] < 1:
        raise ValueError("checkpoint 'next_page' and 'page_size' must be >= 1")
    if params.get("limit") != checkpoint["page_size"]:
        raise ValueError("checkpoint 'params.limit' and 'page_size' disagree")
    return dict(params)


def resume_position(checkpoint: Mapping[str, Any], stats: PaginatorStats) -> Position:
    """The position a checkpoint (validated by :func:`resume_params`) records.

    ``stats`` takes the counters the checkpoint carries over from the walk(s) before it.
    """
    saved = checkpoint.get("stats") or {}
    pos = Position(
        page=checkpoint["next_page"],
        offset=checkpoint["offset"],
        last_id=checkpoint.get("last_id"),
        total=checkpoint.get("total_last"),
        done=bool(checkpoint.get("done", False)),
    )
    stats.items_yielded = checkpoint["items_yielded"]
    stats.items_resumed = checkpoint["items_yielded"]
    stats.first_total = checkpoint.get("total_first")
    stats.total = checkpoint.get("total_last")
    for name in ("pages_fetched", "duplicates_dropped", "drift_events", "retries"):
        value = saved.get(name, 0)
        if isinstance(value, int):
            setattr(stats, name, value)
    return pos


def attach_checkpoint(exc: BaseException, checkpoint: dict[str, Any]) -> None:
    """Set ``exc.checkpoint`` (the position to resume from) on an SDK error."""
    if isinstance(exc, SkiplinoError):
        exc.checkpoint = checkpoint
