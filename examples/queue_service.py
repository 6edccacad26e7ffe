"""A long-running asyncio service: watches queue tickets and keeps branch states fresh.

What it shows:

* one ``Skiplino`` client for the life of the process, shared by every task;
* ``client.tickets.watch(...)`` per ticket, each in its own task of a ``TaskGroup``;
* a periodic poller (which branches are open) that logs failures and keeps going;
* graceful shutdown on SIGINT/SIGTERM: the tasks are cancelled, the group waits for them,
  then ``async with`` closes the client's connections;
* logging through the standard ``logging`` module (``SKIPLINO_LOG=debug`` for the SDK's lines).

Without ``SKIPLINO_BASE_URL`` it starts the embedded fake Skiplino server, books a few walk-in
tickets and plays the branch staff who serve them. Against a real API, pass ticket ids::

    python examples/queue_service.py                   # until Ctrl-C
    python examples/queue_service.py --exit-when-done  # until every ticket is served
    SKIPLINO_API_KEY=sk_... SKIPLINO_BASE_URL=https://... \\
        python examples/queue_service.py --ticket k7m2p9x4q1
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import skiplino_async as sk

if TYPE_CHECKING:
    from skiplino_async.testing import FakeSkiplino

log = logging.getLogger("queue_service")


class QueueService:
    """Keeps an eye on tickets and branches; one client shared by all of its tasks."""

    def __init__(
        self, client: sk.Skiplino, *, poll_interval: float = 30.0, watch_interval: float = 5.0
    ) -> None:
        self.client = client
        self.poll_interval = poll_interval
        self.watch_interval = watch_interval
        self.branch_open: dict[str, bool] = {}

    async def poll_branches(self) -> None:
        """Refresh the branches' open state forever; a failed refresh is logged, not fatal."""
        while True:
            try:
                branches = await self.client.branches.list()
            except sk.SkiplinoError as exc:  # the SDK already retried what was worth retrying
                log.warning("branch refresh failed: %s", exc)
            else:
                for branch in branches:
                    if self.branch_open.get(branch.id) != branch.is_open:
                        state = "open" if branch.is_open else "closed"
                        log.info("branch %s is %s", branch.name, state)
                    self.branch_open[branch.id] = branch.is_open
            await asyncio.sleep(self.poll_interval)

    async def watch_ticket(self, ticket_id: str) -> None:
        """Report every change of one ticket until it is served or cancelled."""
        try:
            async for ticket in self.client.tickets.watch(ticket_id, interval=self.watch_interval):
                if ticket.status == sk.TicketStatus.WAITING:
                    log.info(
                        "ticket %s: waiting, %s ahead, about %s min",
                        ticket.ticket_number,
                        ticket.queue_size,
                        ticket.waiting_time,
                    )
                else:
                    log.info("ticket %s: %s", ticket.ticket_number, ticket.status)
        except sk.SkiplinoError as exc:  # e.g. the ticket was deleted, or the API kept failing
            log.error("stopped watching ticket %s: %s", ticket_id, exc)

    async def run(self, ticket_ids: Sequence[str], *, exit_when_done: bool = False) -> None:
        """Run until SIGINT/SIGTERM (or, with ``exit_when_done``, until every ticket ends)."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self.poll_branches())]
                watchers = [group.create_task(self.watch_ticket(t)) for t in ticket_ids]
                tasks += watchers
                if exit_when_done:
                    tasks.append(group.create_task(_set_when_done(watchers, stop)))
                log.info("service ready: watching %d tickets", len(watchers))
                await stop.wait()
                log.info("shutting down")
                for task in tasks:
                    task.cancel()  # the group waits for every task to finish unwinding
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


async def _set_when_done(tasks: Sequence[asyncio.Task[None]], stop: asyncio.Event) -> None:
    await asyncio.wait(tasks)
    stop.set()


async def main(args: argparse.Namespace) -> None:
    async with skiplino_api(tickets=args.tickets) as booked:
        async with sk.Skiplino() as client:  # SKIPLINO_API_KEY, SKIPLINO_BASE_URL
            service = QueueService(
                client, poll_interval=args.poll_interval, watch_interval=args.watch_interval
            )
            await service.run(args.ticket or booked, exit_when_done=args.exit_when_done)
        log.info("stopped cleanly")


# --- the embedded fake server and the staff who serve the queue ---------------------------------


@asynccontextmanager
async def skiplino_api(*, tickets: int) -> AsyncIterator[list[str]]:
    """The API from the environment, or an embedded fake server with ``tickets`` walk-ins
    booked and served one after the other. Yields the booked ticket ids."""
    if os.environ.get("SKIPLINO_BASE_URL"):
        yield []
        return
    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino() as fake:
        os.environ["SKIPLINO_API_KEY"] = fake.secret_key
        os.environ["SKIPLINO_BASE_URL"] = fake.url
        log.info("embedded fake Skiplino server on %s", fake.url)
        async with sk.Skiplino() as kiosk:
            booked = [
                await kiosk.tickets.book_walk_in(
                    service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d"
                )
                for _ in range(tickets)
            ]
        ids = [t.id for t in booked]
        staff = asyncio.create_task(_serve_queue(fake, ids))
        try:
            yield ids
        finally:
            staff.cancel()


async def _serve_queue(fake: FakeSkiplino, ticket_ids: list[str]) -> None:
    for ticket_id in ticket_ids:
        for status in ("serving", "served"):
            await asyncio.sleep(0.4)
            fake.state.set_ticket_status(ticket_id, status)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticket", action="append", default=[], help="a ticket id to watch")
    parser.add_argument("--tickets", type=int, default=3, help="walk-ins to book (fake server)")
    parser.add_argument("--exit-when-done", action="store_true")
    parser.add_argument("--poll-interval", type=float, default=30.0)
    parser.add_argument("--watch-interval", type=float, default=0.5)
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not os.environ.get("SKIPLINO_LOG"):
        logging.getLogger("skiplino_async").setLevel(logging.WARNING)
    asyncio.run(main(parse_args()))
