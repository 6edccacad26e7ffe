"""Auto-pagination over the API's page/limit lists: prefetch, checkpoints, drift, hostile servers.

``client.customers.list()`` returns an :class:`AsyncPaginator` at once: ``await`` it for one
:class:`~skiplino_async.models.Page`, ``async for`` over it for every item, or walk
:meth:`AsyncPaginator.pages`. Only the pages in flight are held in memory.

The package is split by concern: :mod:`._fetcher` (page requests in flight, adaptive
prefetch), :mod:`._window` (the ids of the last rows handed out, bounded in rows),
:mod:`._decide` (the pure decision: given the walk's state and one answer, what to hand out,
whether to re-read, what comes next, or what the server did wrong), :mod:`._checkpoint`
(the versioned checkpoint and its validation) and :mod:`._paginator` (the walk itself).

What page/limit pagination can and cannot guarantee
---------------------------------------------------

The API lists customers newest-inserted first (a customer's tickets newest first) and pages
by position: page ``p`` is "the rows at positions ``(p-1)*limit`` to ``p*limit - 1`` *at the
moment the server answers*". Nothing ties two answers together, so a list that changes while
it is walked moves rows across page boundaries:

* an **insertion** (always at the top) pushes every row one position down: the last row of a
  page already read shows up again as the first row of the next page (a *duplicate*);
* a **deletion** above the current position pulls every later row one position up: the first
  row of the next page slides onto the page already read and would be missed (a *skip*).

What this paginator guarantees, for one pass, against any answers a server sends:

1. **Every walk ends.** It ends normally on an empty page, on ``hasNextPage: false`` (then
   ``page >= totalPages``, then a short page), or with :class:`PaginationError` as soon as
   the answers prove the server is not paginating a list (``exc.kind``):

   * ``over_limit``: a page holds more rows than ``limit`` (the server ignores ``limit``);
     refused whole, none of its rows is handed out;
   * ``past_end``: a page past the last page its own answer allows
     (``ceil(total / limit)`` or ``totalPages``, the larger) has rows, i.e. ``hasNextPage``
     contradicts ``totalPages``; one page past the end is read to honour ``hasNextPage``,
     and it must be empty;
   * ``stale``: ``MAX_STALE_PAGES`` (3) pages in a row bring no id not handed out already
     (``?page=`` ignored, pages cycling), drift or not;
   * ``no_end``: answers without ``total`` and ``totalPages`` (``pagination`` missing)
     add up to as many rows as the id window holds.

   So a walk takes at most ``MAX_STALE_PAGES`` pages per new id (plus as many re-reads,
   plus the requests in flight when it stops). The error carries ``checkpoint``; nothing of
   the offending page was yielded. Drift is never an error unless ``strict=True``.
2. **No id is yielded twice within the id window**: the ids of at least the last
   ``W = max(1000, limit * (4 + prefetch))`` rows handed out (at most one page more) are
   remembered, in rows, not pages: a page of duplicates adds nothing and evicts nothing, and
   nothing else grows with the number of pages. Checkpoints carry the window
   (``recent_ids``), so a resumed walk de-duplicates exactly as the uninterrupted one.
   An id that comes back more than ``W`` rows after it was yielded is not recognised. A
   list that really changes can do that only if more rows were inserted above the row,
   after it was yielded, than the walk has advanced since (and more than ``W``): the list
   grew about as fast as the walk read it, which also makes every page a page of
   duplicates. A server inventing pages can do it only by also inventing consistent
   totals for a list longer than ``W`` rows (it is then indistinguishable from one); any
   repetition shorter than ``W`` rows, or without totals, is caught by the rules above.
3. If the list does not change during the walk, every row is yielded exactly once, in order.
4. Every change of ``pagination.total`` between consecutive pages is counted
   (``stats.drift_events``) and reported to ``on_drift``; ``strict=True`` raises
   :class:`DriftError` instead, carrying a checkpoint to resume from.
5. A skip needs rows to slide back across a page boundary. When a page's ``total`` differs from
   the previous page's and the previous page's last row is not on it, the previous page is read
   again and the rows that slid back onto it are yielded (once, in order) before the new page:
   such a :class:`DriftEvent` has ``recovered > 0``.
6. With ``prefetch=1`` (each page requested after the previous one was answered) a row that
   exists for the whole walk can only be skipped if ``total`` *decreased* between two pages,
   because insertions only ever push rows down; so point 5 catches every such skip, as long
   as the list does not change again between the two reads and fewer than ``limit`` rows were
   deleted above the position.

What it cannot guarantee:

* Rows inserted or deleted during the walk may or may not be included: the export is not a
  snapshot. A deleted row may already have been yielded; a new row (at the top) is normally
  not reached. Only a listing that starts and ends with the same ``total`` and no drift event
  is known to be the list as it stood.
* With more than one request in flight (the default, or ``prefetch > 1``) pages are answered
  in any order, so one insertion plus one deletion below the position between two answers
  leaves ``total`` unchanged and can still skip a row unseen. Use ``prefetch=1`` (or
  ``strict=True`` and a retry) when the list is busy and a complete walk matters more than
  speed.
* A row can only be recovered from the page just before the boundary: more than ``limit``
  deletions above the position between two page answers can skip rows for good (still
  reported as drift).
* Resuming: the checkpoint records the page, the offset inside it and the id of the last item
  passed. A resumed walk re-finds that id on its page and continues right after it, wherever
  the list has moved it on that page. If the id was deleted, or moved off its page, in the
  meantime, the walk continues at the recorded offset moved by the change in ``total`` and
  reports a drift event (``anchor_lost``); a few rows may then be skipped at that one point
  (repeats are still dropped by the window the checkpoint carries).
"""

from __future__ import annotations

from ._checkpoint import Checkpoint, CheckpointStats, InvalidCheckpointError, load_checkpoint
from ._decide import MAX_STALE_PAGES
from ._drift import DriftError, DriftEvent
from ._errors import PaginationError
from ._fetcher import PageResult
from ._paginator import AsyncPaginator
from ._stats import PaginatorStats

__all__ = [
    "MAX_STALE_PAGES",
    "AsyncPaginator",
    "Checkpoint",
    "CheckpointStats",
    "DriftError",
    "DriftEvent",
    "InvalidCheckpointError",
    "PageResult",
    "PaginationError",
    "PaginatorStats",
    "load_checkpoint",
]
