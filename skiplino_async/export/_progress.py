"""Progress of an export on stderr: a tqdm bar on a terminal (it fits the terminal's width and
follows a resize), otherwise a summary line every few seconds; one final summary line."""

from __future__ import annotations

import os
import time
from typing import Any, Final, TextIO

from ._result import ExportProgress


def summary_line(progress: ExportProgress, kind: str = "items", *, final: bool = False) -> str:
    """One line for logs: rows against the target, rate, elapsed, pages, retries (and the
    throttled answers among them), drift; while the server throttles, the rate it settled at."""
    stats = progress.stats
    target = f"/{progress.target:,}" if progress.target is not None else ""
    head = "done:" if final else "progress:"
    paced = stats.paced_rate
    throttling = "" if paced is None or final else f", throttled: settled at {paced:.1f} req/s"
    return (
        f"skiplino export {head} {progress.rows:,}{target} {kind} in {progress.elapsed:.1f}s "
        f"({progress.rate:,.0f}/s), {stats.pages_fetched} pages, {stats.retries} retries "
        f"({stats.throttled} throttled), {stats.duplicates_dropped} duplicates dropped, "
        f"{stats.drift_events} drift events{throttling}"
    )


def _columns(out: TextIO) -> int | None:
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


class Display:
    """Draws :class:`ExportProgress` reports; call it as the export's ``on_progress``."""

    SUMMARY_EVERY: Final = 10.0

    def __init__(self, out: TextIO, *, tty: bool, kind: str) -> None:
        self._out = out
        self._tty = tty
        self._kind = kind
        self._bar: Any = None
        self._columns: int | None = None
        self._last_line = time.monotonic()
        self.last: ExportProgress | None = None

    def __call__(self, progress: ExportProgress) -> None:
        self.last = progress
        if self._tty:
            self._draw(progress)
            return
        now = time.monotonic()
        if now - self._last_line >= self.SUMMARY_EVERY:
            self._last_line = now
            self._out.write(summary_line(progress, self._kind) + "\n")
            self._out.flush()

    def _draw(self, progress: ExportProgress) -> None:
        bar = self._bar
        if bar is None:
            from tqdm import tqdm

            bar = self._bar = tqdm(
                total=progress.target,
                initial=progress.resumed_rows,
                unit=f" {self._kind}",
                file=self._out,
                dynamic_ncols=True,  # the width is read at each redraw: resizes are followed
                mininterval=0.1,
                leave=True,
            )
        columns = _columns(self._out)
        if columns is not None and self._columns is not None and columns < self._columns:
            # tqdm pads a redraw to the previous line's length to blank it; after the
            # terminal narrowed that padding would wrap and leave a stale line behind.
            bar.sp = bar.status_printer(bar.fp)
        self._columns = columns
        if progress.target != bar.total:
            bar.total = progress.target
        paced = progress.stats.paced_rate
        postfix = "" if paced is None else f"throttled: {paced:.1f} req/s"
        if postfix != (bar.postfix or ""):
            bar.set_postfix_str(postfix, refresh=False)
        bar.update(progress.rows - bar.n)

    def close(self, *, final: ExportProgress | None) -> None:
        """Finish the bar; print the final summary line when the export completed."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if final is not None:
            self._out.write(summary_line(final, self._kind, final=True) + "\n")
            self._out.flush()
