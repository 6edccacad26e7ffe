"""Run every example against its embedded fake Skiplino server; exit non-zero on any failure.

Each example runs in its own interpreter, as a user would start it. A run fails on a non-zero
exit status, on a timeout, or when its output shows a leak (an unclosed session or connector,
a task destroyed while pending, a coroutine never awaited). The long-running service is run
twice: once until its tickets are served, once stopped with SIGINT to check the graceful
shutdown. Every ``*.py`` file here must be covered by a run, so a new example cannot be
forgotten.

``SKIPLINO_API_KEY`` and ``SKIPLINO_BASE_URL`` are removed from the examples' environment:
they book and cancel tickets, which belongs on the fake server, not on a real company.

    python examples/run_all.py             # all of them
    python examples/run_all.py quickstart  # those whose file name contains "quickstart"
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT = 120.0
#: Output that means a resource was leaked even though the program exited with status 0.
LEAK_MARKERS = (
    "Unclosed client session",
    "Unclosed connector",
    "unclosed <",
    "Unclosed Skiplino",
    "ResourceWarning",
    "Task was destroyed but it is pending",
    "was never awaited",
    "Exception ignored in",
)


@dataclass
class Run:
    """One run of one example; ``interrupt_after`` sends SIGINT once that text is printed."""

    script: str
    args: list[str] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    interrupt_after: str | None = None

    @property
    def name(self) -> str:
        extra = f" {' '.join(self.args)}" if self.args else ""
        return f"{self.script}{extra}" + (" (SIGINT)" if self.interrupt_after else "")


def runs(tmp: Path) -> list[Run]:
    return [
        Run("quickstart.py", expect=("ticket Q001",)),
        Run("queue_service.py", ["--exit-when-done"], expect=("served", "stopped cleanly")),
        Run(
            "queue_service.py",
            interrupt_after="service ready",
            expect=("shutting down", "stopped cleanly"),
        ),
        Run(
            "export_customers.py",
            ["--out", str(tmp / "customers.jsonl")],
            expect=("exported 1000 customers",),
        ),
        Run("aiohttp_app.py", expect=("all endpoints answered as expected",)),
        Run(
            "fastapi_app.py",
            needs=("fastapi", "httpx"),
            expect=("all endpoints answered as expected",),
        ),
    ]


def child_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SKIPLINO_API_KEY", "SKIPLINO_BASE_URL")
    }
    # Works from a checkout too, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDEVMODE"] = "1"  # asyncio debug checks and ResourceWarnings shown
    return env


async def execute(run: Run) -> tuple[bool, str]:
    """Run one example; return (passed, output)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / run.script),
        *run.args,
        cwd=ROOT,
        env=child_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdout = proc.stdout
    assert stdout is not None
    lines: list[str] = []
    problem = ""

    async def read() -> None:
        interrupted = False
        async for raw in stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if run.interrupt_after and not interrupted and run.interrupt_after in line:
                interrupted = True
                proc.send_signal(signal.SIGINT)
        await proc.wait()

    try:
        await asyncio.wait_for(read(), TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        problem = f"timed out after {TIMEOUT:g}s"
    output = "".join(lines)
    if not problem and proc.returncode != 0:
        problem = f"exit status {proc.returncode}"
    if not problem:
        leaks = [m for m in LEAK_MARKERS if m in output]
        missing = [e for e in run.expect if e not in output]
        if leaks:
            problem = f"leak reported: {leaks}"
        elif missing:
            problem = f"expected output not found: {missing}"
    return not problem, f"{problem}\n{output}" if problem else output


def missing_modules(run: Run) -> list[str]:
    return [m for m in run.needs if importlib.util.find_spec(m) is None]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run the examples whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every output")
    parser.add_argument(
        "--skip-missing",
        action="store_true",
        help="skip (instead of failing) examples whose optional dependencies are missing",
    )
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        all_runs = runs(Path(tmp))
        covered = {r.script for r in all_runs}
        uncovered = sorted(
            p.name
            for p in HERE.glob("*.py")
            if p.name != Path(__file__).name and p.name not in covered
        )
        if uncovered:
            print(f"FAIL  examples not run by run_all.py: {uncovered}")
            failures += 1
        for run in all_runs:
            if args.only and not any(word in run.script for word in args.only):
                continue
            missing = missing_modules(run)
            if missing:
                hint = "pip install -e '.[examples]'"
                if args.skip_missing:
                    print(f"SKIP  {run.name}: needs {', '.join(missing)} ({hint})")
                    continue
                print(f"FAIL  {run.name}: needs {', '.join(missing)} ({hint})")
                failures += 1
                continue
            started = time.perf_counter()
            passed, output = await execute(run)
            elapsed = time.perf_counter() - started
            print(f"{'ok  ' if passed else 'FAIL'}  {run.name}  ({elapsed:.1f}s)", flush=True)
            if not passed or args.verbose:
                print("      " + output.rstrip().replace("\n", "\n      "), flush=True)
            failures += not passed
    print("all examples passed" if not failures else f"{failures} example run(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
