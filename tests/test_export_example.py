"""``examples/export_customers.py`` survives ``kill -9``: run again, it finishes the export."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import orjson
from export_support import REPO, jsonl_ids, start

from skiplino_async.export import checkpoint_path
from skiplino_async.testing import FakeSkiplino

SCRIPT = (str(REPO / "examples" / "export_customers.py"),)


def saved_rows(output: Path) -> int:
    try:
        return int(orjson.loads(checkpoint_path(output).read_bytes())["rows"])
    except (FileNotFoundError, orjson.JSONDecodeError):
        return 0


async def test_the_example_resumes_after_kill_9(tmp_path: Path) -> None:
    output = tmp_path / "customers.jsonl"
    args = ["--out", str(output), "--prefetch", "1"]
    # Slow enough that the first periodic checkpoint (after 1 s) comes before the end.
    async with FakeSkiplino(customers=3_000, latency=0.06) as fake:
        proc = await start(fake, args, script=SCRIPT)
        for _ in range(5_000):  # until a checkpoint records some rows
            if proc.returncode is not None or saved_rows(output) > 0:
                break
            await asyncio.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        await proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        assert not output.exists()
        rows = saved_rows(output)
        assert 0 < rows < 3_000

        again = await start(fake, args, script=SCRIPT)
        out, err = await again.communicate()
        assert again.returncode == 0, err.decode()
        assert f"resuming after {rows} rows" in out.decode()
        assert "exported 3000 customers" in out.decode()
        assert jsonl_ids(output) == [c.id for c in fake.state.iter_customers()]
