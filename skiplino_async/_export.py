"""``skiplino export``: placeholder until the bulk-export command lands."""

from __future__ import annotations

import argparse
from typing import Any


def add_export_parser(sub: Any) -> None:
    sub.add_parser("export", help="export customers or a customer's tickets (not yet available)")


def run_export(args: argparse.Namespace) -> int:
    raise SystemExit("skiplino export is not available yet")
