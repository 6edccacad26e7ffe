"""The export's progress bar in a real terminal (a pty): it fits 80 and 40 columns, follows a
resize, and counts against the real target (``--max-items`` included)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import os
import pty
import re
import signal
import struct
import sys
import termios
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from export_support import REPO, cli_env

from skiplino_async.export import ExportProgress, _progress
from skiplino_async.pagination import PaginatorStats
from skiplino_async.testing import FakeSkiplino

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def set_size(fd: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))


@pytest.fixture
async def slow_fake() -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=600, latency=0.01) as server:
        yield server


async def run_in_pty(
    fake: FakeSkiplino, args: list[str], columns: int, resize_to: int | None = None
) -> tuple[int, bytes]:
    """Run ``skiplino export ARGS`` with stderr on a pty of ``columns`` columns."""
    master, slave = pty.openpty()
    set_size(slave, columns)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "skiplino_async",
        "export",
        *args,
        env=cli_env(fake),
        cwd=REPO,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    os.set_blocking(master, False)
    out = bytearray()
    resized = False
    mark = 0
    while True:
        try:
            chunk = os.read(master, 65536)
        except BlockingIOError:
            chunk = b""
        except OSError:  # the other side closed
            break
        out += chunk
        if resize_to is not None and not resized and out.count(b"\r") >= 3:
            set_size(master, resize_to)
            proc.send_signal(signal.SIGWINCH)
            resized = True
            mark = len(out)  # what the bar drew after the resize is checked
        if not chunk:
            if proc.returncode is not None:
                break  # exited, and everything it wrote has been read
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.01)
    os.close(master)
    await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, bytes(out[mark:])


def screen_lines(raw: bytes) -> list[str]:
    """What each redraw puts on one terminal line (carriage returns and newlines split)."""
    text = ANSI.sub(b"", raw).decode("utf-8", "replace")
    return [part for line in text.split("\n") for part in line.split("\r") if part.strip()]


def bar_lines(raw: bytes) -> list[str]:
    """The redraws of the bar (not the final summary, a log line printed once)."""
    return [line for line in screen_lines(raw) if "skiplino export" not in line]


@pytest.mark.parametrize("columns", [80, 40])
async def test_the_bar_fits_the_terminal_and_counts_against_max_items(
    slow_fake: FakeSkiplino, tmp_path: Path, columns: int
) -> None:
    args = [
        "customers",
        "-o",
        str(tmp_path / "c.jsonl"),
        "--limit",
        "10",
        "--prefetch",
        "1",
        "--max-items",
        "450",
    ]
    code, raw = await run_in_pty(slow_fake, args, columns)
    assert code == 0, raw.decode()
    bars = bar_lines(raw)
    assert bars, raw.decode()
    assert all(len(line) <= columns for line in bars), bars
    assert any("450/450" in line and "100%" in line for line in bars), bars
    if columns == 80:  # room for everything: count, percent, rate, elapsed and ETA
        assert any(re.search(r"\d+/450 \[\d\d:\d\d<\d\d:\d\d", line) for line in bars), bars


async def test_the_bar_follows_a_resize(slow_fake: FakeSkiplino, tmp_path: Path) -> None:
    args = ["customers", "-o", str(tmp_path / "c.jsonl"), "--limit", "10", "--prefetch", "1"]
    code, raw = await run_in_pty(slow_fake, args, 100, resize_to=50)
    assert code == 0, raw.decode()
    bars = bar_lines(raw)
    assert bars
    assert all(len(line) <= 50 for line in bars), bars


def test_without_a_terminal_a_summary_line_every_ten_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [0.0]
    monkeypatch.setattr(_progress.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    display = _progress.Display(out, tty=False, kind="customers")
    stats = PaginatorStats(total=1_000)
    for rows in range(100, 1_001, 100):
        clock[0] += 3.0
        display(ExportProgress(rows, 0, 1_000, clock[0], stats))
    lines = out.getvalue().splitlines()
    assert [line.split(" in ")[0] for line in lines] == [
        "skiplino export progress: 400/1,000 customers",
        "skiplino export progress: 800/1,000 customers",
    ]
    assert "\r" not in out.getvalue()
