"""Drift: the list changing under a paginated walk, as an event or (``strict=True``) an error."""

from __future__ import annotations

from typing import Any

import attrs

from .._advice import Advice, Instruction, in_code
from ..errors import SkiplinoError

__all__ = ["DriftError", "DriftEvent"]


@attrs.frozen
class DriftEvent:
    """The list changed under the walk: ``total`` differs between two consecutive pages.

    ``page`` is the page whose answer showed ``total``; ``previous_total`` is the total the
    page before it showed (or the checkpoint's, on the first page of a resumed walk).
    ``recovered`` counts rows that slid back onto the previous page and were fetched again.
    ``anchor_lost`` is set when a resumed walk could not find its last item again.
    """

    page: int
    previous_total: int | None
    total: int | None
    recovered: int = 0
    anchor_lost: bool = False

    @property
    def delta(self) -> int | None:
        """``total - previous_total`` (rows added minus rows removed), when both are known."""
        if self.total is None or self.previous_total is None:
            return None
        return self.total - self.previous_total


class DriftError(SkiplinoError):
    """``strict=True`` and the list changed during the walk.

    ``checkpoint`` is the position after the last item yielded (pass it as ``resume_from=``
    to go on anyway); ``event`` describes the change.
    """

    def __init__(self, event: DriftEvent, checkpoint: dict[str, Any]) -> None:
        if event.anchor_lost:
            what = "the last item before the checkpoint is no longer on its page"
        else:
            what = f"total went from {event.previous_total} to {event.total}"
        #: The message in typed parts (the command line names its own flag from them).
        self.advice = Advice(
            f"the list changed during the walk at page {event.page}: {what}; rows may be "
            "missing or repeated ({strict} to de-duplicate and go on, or restart)",
            {"strict": Instruction("strict", False)},
        )
        super().__init__(self.advice.render(in_code))
        self.event = event
        self.checkpoint = checkpoint

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.event, self.checkpoint))
