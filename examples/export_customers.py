"""A bulk export job: every customer of the company to a file, with ``skiplino_async.export``.

What it shows:

* one call does the whole job durably: ``await export.customers(client, path, resume=True)``
  writes ``<path>.partial`` with a checkpoint beside it and replaces ``path`` atomically only
  when the export is complete, so yesterday's file survives a failed run;
* a job that survives ``kill -9``: run the same command again and it goes on after the last
  checkpoint (``resuming after N rows``), with every customer exactly once; run after a
  complete export, it exports afresh;
* the format from the file name (``.jsonl``, ``.csv``, ``.parquet`` with pyarrow installed);
* a daily delta with ``--since PREVIOUS``: only customers inserted since that export, reading
  only the pages that hold them (updates to older customers are not seen);
* progress from ``on_progress`` and a check of the count against the API's total.

Without ``SKIPLINO_BASE_URL`` it exports from an embedded fake server with 1,000 customers.

    python examples/export_customers.py --out customers.jsonl
    python examples/export_customers.py --out new.jsonl --since customers.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import orjson

import skiplino_async as sk
from skiplino_async import export


def reporter(every: int = 500) -> Callable[[export.ExportProgress], None]:
    """An ``on_progress`` callback (called after each page) printing a line every few rows."""
    printed = 0

    def report(progress: export.ExportProgress) -> None:
        nonlocal printed
        if progress.rows - printed >= every:
            printed = progress.rows
            target = f"/{progress.target}" if progress.target is not None else ""
            print(f"  {progress.rows}{target} rows ({progress.rate:,.0f}/s)", flush=True)

    return report


async def main(args: argparse.Namespace) -> int:
    async with skiplino_api(), sk.Skiplino(timeout=30, max_retries=4) as client:
        # A checkpoint is left only by an export that did not finish (killed, failed): go on
        # from it. Otherwise export afresh; the finished file then replaces the old one.
        checkpoint = export.checkpoint_path(args.out)
        resume = checkpoint.exists()
        if resume:
            saved = orjson.loads(checkpoint.read_bytes())
            print(f"resuming after {saved.get('rows', 0)} rows", flush=True)
        result = await export.customers(
            client,
            args.out,
            resume=resume,
            since=args.since,
            prefetch=args.prefetch,
            on_progress=reporter(),
        )
        stats = result.stats
        print(
            f"exported {result.rows} customers to {args.out} "
            f"({stats.pages_fetched} pages read, {stats.elapsed:.2f}s)"
        )
        if args.since is None and stats.first_total is not None and result.rows != stats.total:
            # Customers created or deleted during the export move rows across pages.
            print(f"note: the API reported {stats.total} customers at the end")
            return 1
        return 0


@asynccontextmanager
async def skiplino_api() -> AsyncIterator[None]:
    """Use the API from the environment, or start an embedded fake server and point at it."""
    if os.environ.get("SKIPLINO_BASE_URL"):
        yield
        return
    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino(customers=1000) as fake:
        os.environ["SKIPLINO_API_KEY"] = fake.secret_key
        os.environ["SKIPLINO_BASE_URL"] = fake.url
        print(f"(embedded fake Skiplino server on {fake.url}, 1000 customers)")
        yield


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(tempfile.gettempdir()) / "skiplino-customers.jsonl"
    parser.add_argument("--out", type=Path, default=default_out)
    parser.add_argument("--since", type=Path, help="a previous export: only newer customers")
    parser.add_argument("--prefetch", type=int, default=4, help="page requests in flight")
    return parser.parse_args()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse_args())))
    except (sk.SkiplinoError, export.ExportError) as exc:
        sys.exit(f"export failed: {type(exc).__name__}: {exc}")
