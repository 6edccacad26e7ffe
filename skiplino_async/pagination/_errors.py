"""The error a walk ends with when the server provably does not paginate."""

from __future__ import annotations

from typing import Any

from ..errors import SkiplinoError
from ._decide import ViolationKind

__all__ = ["PaginationError"]


class PaginationError(SkiplinoError):
    """The server's pages cannot be those of a list: the walk stopped instead of looping.

    ``kind`` says what the server did:

    * ``"over_limit"``: a page had more rows than ``limit`` (the server ignores it);
    * ``"past_end"``: a page past the last one its own ``total``/``totalPages`` allows had
      rows (``hasNextPage`` contradicting ``totalPages``);
    * ``"stale"``: several pages in a row brought no row the walk had not handed out yet
      (the server ignores ``?page=``, or cycles through the same pages);
    * ``"no_end"``: more rows than the walk can remember without a ``total`` or
      ``totalPages`` telling where the list ends.

    No row of the offending page was handed out. ``page`` is the page whose answer showed
    it; ``checkpoint`` the position after the last item yielded.
    """

    def __init__(
        self, message: str, kind: ViolationKind, page: int, checkpoint: dict[str, Any]
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind: ViolationKind = kind
        self.page = page
        self.checkpoint = checkpoint
