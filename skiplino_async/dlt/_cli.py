"""``skiplino load``: the dlt source into DuckDB, PostgreSQL or a filesystem, with progress.

Credentials come from dlt's configuration only (environment variables, ``.dlt/secrets.toml``):
no flag takes a key. A run first finishes what a killed run left (dlt loads its pending
packages), then extracts and loads today's data.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

RESOURCES = ("customers", "customer_tickets", "branches", "services")
DESTINATIONS = ("duckdb", "postgres", "filesystem")

DESCRIPTION = """\
Load the Skiplino API into a database or object storage with dlt (pip install
'skiplino-async[dlt]'). A full run (the default) replaces each table, so afterwards the
destination holds exactly the API's rows: new, updated and deleted customers included.
--incremental merges only the customers created since the previous run.

Credentials come from dlt's configuration, never from the command line: the API key from
SKIPLINO_API_KEY (or SOURCES__SKIPLINO__API_KEY, or [sources.skiplino] api_key in
.dlt/secrets.toml), the base URL from SKIPLINO_BASE_URL; destinations as dlt documents them
(e.g. DESTINATION__POSTGRES__CREDENTIALS, DESTINATION__FILESYSTEM__BUCKET_URL, which takes
s3://, gs://, az:// and local paths). DuckDB writes <pipeline>.duckdb in the current folder.

A killed run is finished by the next one: it first loads what the killed run had extracted,
then loads today's data."""


def add_load_parser(sub: Any) -> None:
    load = sub.add_parser(
        "load",
        help="load customers, tickets, branches and services into a warehouse (dlt)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load.add_argument(
        "resources",
        nargs="*",
        metavar="RESOURCE",
        help=f"what to load (default: all): {', '.join(RESOURCES)}",
    )
    load.add_argument(
        "--destination",
        choices=DESTINATIONS,
        default="duckdb",
        help="where to (default: duckdb); postgres needs pip install 'dlt[postgres]', "
        "filesystem 'dlt[filesystem]' for buckets",
    )
    load.add_argument(
        "--dataset", default="skiplino_data", help="dataset (schema) name (default: skiplino_data)"
    )
    load.add_argument("--pipeline", default="skiplino", help="dlt pipeline name (its state)")
    load.add_argument(
        "--incremental",
        action="store_true",
        help="customers: merge only those created since the previous run",
    )


def run_load(args: argparse.Namespace) -> int:
    try:
        import dlt  # noqa: F401
    except ImportError:
        return _fail("dlt is not installed: pip install 'skiplino-async[dlt]'")
    from ._progress import line
    from ._run import LoadFailed, load

    unknown = sorted(set(args.resources) - set(RESOURCES))
    if unknown:
        return _fail(f"unknown resource {', '.join(unknown)} (choose from {', '.join(RESOURCES)})")
    started = time.monotonic()
    try:
        counts = load(
            resources=args.resources or list(RESOURCES),
            destination=args.destination,
            dataset=args.dataset,
            pipeline_name=args.pipeline,
            incremental=args.incremental,
            say=_say,
        )
    except LoadFailed as exc:
        return _fail(str(exc))
    _say(f"done in {time.monotonic() - started:.1f}s: loaded {line(counts)}")
    return 0


def _say(message: str) -> None:
    print(f"skiplino load: {message}", file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    print(f"skiplino load: error: {message}", file=sys.stderr)
    return 1
