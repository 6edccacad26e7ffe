"""The dlt source: customers, customer_tickets, branches and services, on the SDK's walks.

A client binds to the first event loop it runs on: each resource opens its client inside
its walk, on the walk's own loop (see :mod:`._drive`), and closes it when the walk ends.

Write dispositions make the destination equal the API after a full run: every table is
replaced, so deleted rows go; dlt replaces a table only when its extract completed, and an
API error fails the extract (it never ends a walk quietly), so a failed run changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import aclosing
from typing import Any

import dlt
from dlt.common.typing import TSecretStrValue
from dlt.extract import DltResource

from .._client import Skiplino, check_api_key
from ..export._since import Delta
from ..export.formats import parquet
from ._drive import drive
from ._rows import CUSTOMERS_PAGE, NEWEST_KEPT, Row, newest_ids, service_rows
from ._tickets import customer_tickets

Connect = Callable[[], Skiplino]

#: Customers go to dlt as Arrow tables of this many rows, typed as the export's Parquet
#: datasets (``metadata`` and unknown fields as JSON text): dlt writes them as they are,
#: without normalizing row by row, several times faster than dicts.
ARROW_ROWS = 2_000
_TICKET_COLUMNS: Any = {
    "customer_id": {"data_type": "text", "nullable": False},
    "status_at": {"data_type": "timestamp"},
    "booked_at": {"data_type": "timestamp"},
    "time": {"data_type": "timestamp"},
}


@dlt.source(name="skiplino", section="skiplino")
def skiplino_source(
    api_key: TSecretStrValue | None = None,
    base_url: str | None = None,
    *,
    incremental: bool = False,
    customer_ids: Sequence[str] | None = None,
    **client_options: Any,
) -> list[DltResource]:
    """The Skiplino API as a dlt source.

    ``api_key`` and ``base_url`` come from dlt's configuration when not passed
    (``sources.skiplino.api_key`` in ``secrets.toml``, or ``SOURCES__SKIPLINO__API_KEY``), else
    from ``SKIPLINO_API_KEY`` / ``SKIPLINO_BASE_URL`` as for :class:`~skiplino_async.Skiplino`;
    ``client_options`` go to the client.

    Resources: ``customers`` (primary key ``_id``; Arrow tables typed as the Parquet export,
    ``metadata`` as JSON text), ``customer_tickets`` (primary key ``id``,
    with the ``customer_id`` it was listed under), ``branches`` and ``services`` (the service
    trees flattened, with ``branch_id`` and ``group_of_service_id``).

    A full run (the default) replaces every table, so the destination then holds exactly what
    the API holds. ``incremental=True`` merges into ``customers`` only the customers created
    since the previous run (reading only their pages). ``customer_ids`` limits
    ``customer_tickets`` to those customers, replacing their tickets and no others.
    """
    check_api_key(api_key)  # before any extract: nothing is touched
    if isinstance(customer_ids, str):
        raise ValueError("customer_ids takes a list of customer ids, not one string")

    def connect() -> Skiplino:
        return Skiplino(api_key, base_url=base_url, **client_options)

    return [
        _customers(connect, incremental),
        _customer_tickets(connect, customer_ids),
        _branches(connect),
        _services(connect),
    ]


def _customers(connect: Connect, incremental: bool) -> DltResource:
    @dlt.resource(
        name="customers",
        primary_key="_id",
        write_disposition="merge" if incremental else "replace",
    )
    def customers() -> Iterator[Any]:
        state = dlt.current.resource_state()
        previous: list[str] = list(state.get("newest_ids", []))
        stop = frozenset(previous) if incremental else frozenset()
        seen: list[str] = []
        batch: list[Row] = []
        for rows in drive(lambda: _customer_pages(connect, stop)):
            if len(seen) < NEWEST_KEPT:
                seen.extend(row["_id"] for row in rows[:NEWEST_KEPT])
            batch.extend(rows)
            if len(batch) >= ARROW_ROWS:
                yield _arrow(batch)
                batch = []
        if batch:
            yield _arrow(batch)
        # Saved with the rows (dlt commits a resource's state in the same load package).
        state["newest_ids"] = newest_ids(seen, previous if incremental else [])

    return customers


def _arrow(rows: list[Row]) -> Any:
    """Customers as an Arrow table; ``_id``, the primary key, never null (as dlt has it)."""
    table = parquet.table("customers", rows)
    schema = table.schema
    index = schema.get_field_index("_id")
    return table.cast(schema.set(index, schema.field(index).with_nullable(False)))


async def _customer_pages(
    connect: Connect, stop: frozenset[str]
) -> AsyncGenerator[list[Row], None]:
    """Pages of customers, newest first, ending before the first id in ``stop``."""
    async with connect() as client:
        # A delta reads page by page: it ends at the first page holding a known customer.
        pages = client.customers.list(limit=CUSTOMERS_PAGE, prefetch=1 if stop else None).pages()
        async with aclosing(pages) as walk:  # type: ignore[type-var]
            delta = Delta(stop, "_id")
            async for page in walk:
                rows = list(delta.cut([customer.to_dict() for customer in page.items]))
                if rows:
                    yield rows
                if delta.reached:
                    return


def _customer_tickets(connect: Connect, customer_ids: Sequence[str] | None) -> DltResource:
    # Some customers only: replace their tickets (delete-insert on customer_id), no others.
    hints: dict[str, Any] = (
        {"write_disposition": "replace"}
        if customer_ids is None
        else {
            "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
            "merge_key": "customer_id",
        }
    )

    @dlt.resource(name="customer_tickets", primary_key="id", columns=_TICKET_COLUMNS, **hints)
    def tickets() -> Iterator[list[Row]]:
        yield from drive(lambda: _ticket_batches(connect, customer_ids))

    return tickets


async def _ticket_batches(
    connect: Connect, customer_ids: Sequence[str] | None
) -> AsyncGenerator[list[Row], None]:
    async with connect() as client:

        async def ids() -> AsyncIterator[str]:
            if customer_ids is not None:
                # A customer answered "not found" is skipped as deleted: first make sure the
                # key and URL are right, so a wrong URL is an error, not every customer gone.
                await client.branches.list()
                for customer_id in customer_ids:
                    yield customer_id
                return
            async for customer in client.customers.list(limit=CUSTOMERS_PAGE):
                yield customer.id

        async with aclosing(customer_tickets(client, ids())) as batches:
            async for batch in batches:
                yield batch


def _branches(connect: Connect) -> DltResource:
    @dlt.resource(name="branches", primary_key="id", write_disposition="replace")
    def branches() -> Iterator[list[Row]]:
        yield from drive(lambda: _branch_rows(connect))

    return branches


async def _branch_rows(connect: Connect) -> AsyncGenerator[list[Row], None]:
    async with connect() as client:
        yield [branch.to_dict() for branch in await client.branches.list()]


def _services(connect: Connect) -> DltResource:
    @dlt.resource(
        name="services",
        primary_key=("branch_id", "group_of_service_id", "id"),
        write_disposition="replace",
    )
    def services() -> Iterator[list[Row]]:
        yield from drive(lambda: _service_rows(connect))

    return services


async def _service_rows(connect: Connect) -> AsyncGenerator[list[Row], None]:
    async with connect() as client:
        for branch in await client.branches.list():
            rows = service_rows(branch, await client.branches.tree(branch.id))
            if rows:
                yield rows
