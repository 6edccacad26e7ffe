"""Progress of an export on stderr: a live bar on a terminal, otherwise a summary line every
few seconds, and one final summary line (rows, rate, pages, retries, duplicates, drift).
"""

from __future__ import annotations

import math
import time
from typing import Final, TextIO

from ..pagination import PaginatorStats


class _Progress:
    """A live bar on a terminal; otherwise a summary line every ``SUMMARY_EVERY`` seconds."""

    SUMMARY_EVERY: Final = 10.0
    REDRAW_EVERY: Final = 0.1

    def __init__(self, out: TextIO, tty: bool, kind: str) -> None:
        self._out = out
        self._tty = tty
        self._kind = kind
        # The first summary line waits a full period; a bar is drawn at once.
        self._last = 0.0 if tty else time.monotonic()

    def update(self, stats: PaginatorStats) -> None:
        now = time.monotonic()
        every = self.REDRAW_EVERY if self._tty else self.SUMMARY_EVERY
        if now - self._last < every:
            return
        self._last = now
        if self._tty:
            self._out.write("\r" + render_bar(stats, self._kind) + "\x1b[K")
        else:
            self._out.write(summary_line(stats, self._kind) + "\n")
        self._out.flush()

    def close(self, stats: PaginatorStats, *, failed: bool) -> None:
        if self._tty:
            self._out.write("\r" + render_bar(stats, self._kind) + "\x1b[K\n")
        if not failed:
            self._out.write(summary_line(stats, self._kind, final=True) + "\n")
        self._out.flush()


def _rate(stats: PaginatorStats) -> float:
    """Items per second of this run (items from before a resume do not count)."""
    elapsed = stats.elapsed
    return (stats.items_yielded - stats.items_resumed) / elapsed if elapsed > 0 else 0.0


def render_bar(stats: PaginatorStats, kind: str = "items", width: int = 30) -> str:
    """``[#######.......]  12,000/25,000  48%  3,100/s  ETA 0:04`` from live stats."""
    done = stats.items_yielded
    total = stats.total
    rate = _rate(stats)
    if total:
        frac = min(done / total, 1.0)
        filled = int(frac * width)
        bar = "#" * filled + "." * (width - filled)
        left = max(total - done, 0)
        eta = _clock(left / rate) if rate > 0 else "?"
        return f"[{bar}] {done:,}/{total:,} {kind} {frac:4.0%}  {rate:,.0f}/s  ETA {eta}"
    return f"{done:,} {kind}  {rate:,.0f}/s"


def summary_line(stats: PaginatorStats, kind: str = "items", *, final: bool = False) -> str:
    """One line for logs: rows, total, rate, pages, retries, duplicates, drift."""
    done = stats.items_yielded
    total = f"/{stats.total:,}" if stats.total is not None else ""
    rate = _rate(stats)
    head = "done:" if final else "progress:"
    return (
        f"skiplino export {head} {done:,}{total} {kind} in {stats.elapsed:.1f}s "
        f"({rate:,.0f}/s), {stats.pages_fetched} pages, {stats.retries} retries, "
        f"{stats.duplicates_dropped} duplicates dropped, {stats.drift_events} drift events"
    )


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
