"""``skiplino export`` against a server that throttles: it finishes, and says so."""

from __future__ import annotations

import re
from pathlib import Path

from export_support import run_to_end, start

from skiplino_async.export import ExportProgress
from skiplino_async.export._progress import summary_line
from skiplino_async.pagination import PaginatorStats
from skiplino_async.testing import FakeSkiplino


async def test_an_export_against_a_rate_limit_finishes_and_counts_throttled_answers(
    tmp_path: Path,
) -> None:
    output = tmp_path / "customers.jsonl"
    async with FakeSkiplino(customers=1_500) as fake:
        rule = fake.faults.rate_limit(30, burst=3)
        proc = await start(fake, ["customers", "--output", str(output), "--limit", "50"])
        code, err = await run_to_end(proc)
    assert code == 0, err
    assert len(output.read_bytes().splitlines()) == 1_500
    done = re.search(r"done: .* \((\d+) throttled\)", err)
    assert done is not None, err
    assert int(done.group(1)) == rule.fired > 0


def test_the_progress_line_says_when_the_server_throttles() -> None:
    stats = PaginatorStats(total=1_000, retries=7, throttled=5)
    calm = summary_line(ExportProgress(500, 0, 1_000, 2.0, stats), "customers")
    assert "7 retries (5 throttled)" in calm
    assert "settled" not in calm
    stats._pace = lambda: 48.25
    line = summary_line(ExportProgress(500, 0, 1_000, 2.0, stats), "customers")
    assert line.endswith(", throttled: settled at 48.2 req/s")
    final = summary_line(ExportProgress(1_000, 0, 1_000, 4.0, stats), "customers", final=True)
    assert "(5 throttled)" in final
