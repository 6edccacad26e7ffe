"""A bulk export job: every customer of the company to a JSON Lines file.

What it shows:

* auto-pagination (``async for customer in client.customers.list(limit=100)``), with page
  requests kept in flight (``prefetch=``) where the SDK offers it;
* models written in wire format (``customer.to_dict()``), readable back with
  ``Customer.from_dict``;
* a job that fails loudly: any error ends it with a non-zero exit status, and the output file
  appears (atomically renamed) only when the export is complete; where the SDK offers
  checkpoints, a failed export with ``--checkpoint PATH`` saves one there, and the same
  command run again continues from it;
* a sanity check of the count against the ``total`` the API reports.

Without ``SKIPLINO_BASE_URL`` it exports from an embedded fake server with 1,000 customers.

    python examples/export_customers.py --out customers.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

import skiplino_async as sk


def list_options(client: sk.Skiplino, *, prefetch: int, resume: Path | None) -> dict[str, Any]:
    """Keyword arguments for ``customers.list`` that this version of the SDK accepts."""
    accepted = inspect.signature(client.customers.list).parameters
    options: dict[str, Any] = {}
    if "prefetch" in accepted:
        options["prefetch"] = prefetch
    if resume is not None and "resume_from" in accepted:
        options["resume_from"] = orjson.loads(resume.read_bytes())
    return options


async def export_customers(
    client: sk.Skiplino, out: Path, *, prefetch: int = 4, resume: Path | None = None
) -> int:
    """Write every customer to ``out`` (one JSON object per line); return how many."""
    partial = out.with_name(out.name + ".part")
    options = list_options(client, prefetch=prefetch, resume=resumable(resume, partial))
    resuming = "resume_from" in options
    count = count_lines(partial) if resuming else 0
    customers = client.customers.list(limit=100, **options)
    try:
        with partial.open("ab" if resuming else "wb") as file:
            async for customer in customers:
                file.write(orjson.dumps(customer.to_dict()) + b"\n")
                count += 1
    except sk.SkiplinoError:
        if resume is not None and hasattr(customers, "checkpoint"):
            # Lines written so far stay in the .part file; the checkpoint says where they end.
            save_checkpoint(resume, customers.checkpoint())
        raise
    finish(partial, out, resume)
    stats = getattr(customers, "stats", None)
    if stats is not None:
        print(f"paginator stats: {stats}")
    return count


# Local file operations block only briefly, and the export is the job's only work.


def save_checkpoint(path: Path, checkpoint: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(checkpoint))
    print(f"checkpoint saved to {path}; run the same command again to resume", file=sys.stderr)


def resumable(checkpoint: Path | None, partial: Path) -> Path | None:
    """The checkpoint, if there is one together with the lines it continues."""
    if checkpoint is not None and checkpoint.exists() and partial.exists():
        return checkpoint
    return None


def count_lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)


def finish(partial: Path, out: Path, checkpoint: Path | None) -> None:
    partial.replace(out)  # only a complete export appears under its real name
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)


async def main(args: argparse.Namespace) -> int:
    async with skiplino_api(), sk.Skiplino(timeout=30, max_retries=4) as client:
        expected = (await client.customers.list(limit=1)).pagination.total
        started = time.perf_counter()
        count = await export_customers(
            client, args.out, prefetch=args.prefetch, resume=args.checkpoint
        )
        elapsed = time.perf_counter() - started
        print(f"exported {count} customers to {args.out} in {elapsed:.2f}s")
        # Read back the first line: the wire format round-trips into the model.
        with args.out.open("rb") as file:
            first = sk.Customer.from_dict(orjson.loads(file.readline()))
        print(f"first line: {first.id} {first.name!r}")
        if expected is not None and count != expected:
            # Customers created or deleted during the export move rows across pages.
            print(f"note: the API reported {expected} customers when the export started")
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
    parser.add_argument("--prefetch", type=int, default=4, help="page requests in flight")
    parser.add_argument(
        "--checkpoint", type=Path, default=None, help="save progress here on failure; resume"
    )
    return parser.parse_args()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse_args())))
    except sk.SkiplinoError as exc:
        sys.exit(f"export failed: {type(exc).__name__}: {exc}")
