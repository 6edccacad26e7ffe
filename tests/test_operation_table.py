"""The table of operations is what the SDK, the fake server and the OpenAPI document all read:
each row has its SDK method, its fake handler and route, its key rule; and the models, the
fake's records and the document's schemas name the same fields."""

from __future__ import annotations

import ast
import inspect
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import skiplino_async
from skiplino_async import Skiplino, models
from skiplino_async._operations import OPERATIONS, Operation
from skiplino_async._wirefields import wire_fields
from skiplino_async.dlt._rows import CUSTOMERS_PAGE, TICKETS_PAGE
from skiplino_async.export._job import LISTS, MAX_LIMIT
from skiplino_async.testing import FakeSkiplino, FakeState, openapi_document
from skiplino_async.testing._ops import (
    HANDLERS,
    Call,
    branch_tree,
    customer_json,
    list_branches,
    service_slots,
    ticket_json,
)

WITHDRAWAL = "6fe8fb8b12"  # an open walk-in service of SEEF
TELLER = "7c1f9a3b2d"  # its group
SEEF = "802b33af66"
OPENING = "9c3e1a7b5d"  # an appointment service
MORNING = datetime(2026, 7, 1, 7, 10, tzinfo=UTC)


def _wire(cls: type) -> set[str]:
    return {f.wire for f in wire_fields(cls)}


def _method(client: Skiplino, op: Operation[Any]) -> Any:
    namespace, name = op.name.split(".")
    return getattr(getattr(client, namespace), name)


def test_rows_are_unique() -> None:
    assert len({op.name for op in OPERATIONS}) == len(OPERATIONS)
    assert len({op.operation_id for op in OPERATIONS}) == len(OPERATIONS)
    assert len({(op.method, op.path) for op in OPERATIONS}) == len(OPERATIONS)


async def test_every_row_is_an_sdk_method_and_a_fake_handler() -> None:
    async with Skiplino(api_key="sk_test", base_url="http://127.0.0.1:9") as client:
        for op in OPERATIONS:
            assert inspect.iscoroutinefunction(_method(client, op)) or op.paging, op.name
    assert set(HANDLERS) == {op.name for op in OPERATIONS}


async def test_paged_methods_default_to_the_rows_page_size() -> None:
    async with Skiplino(api_key="sk_test", base_url="http://127.0.0.1:9") as client:
        for op in OPERATIONS:
            if op.paging is not None:
                limit = inspect.signature(_method(client, op)).parameters["limit"]
                assert limit.default == op.paging.default_limit, op.name


def test_the_export_lists_and_limits_come_from_the_table() -> None:
    assert {kind: op.name for kind, op in LISTS.items()} == {
        "customers": "customers.list",
        "tickets": "customers.tickets",
    }
    assert MAX_LIMIT == {"customers": 100, "tickets": 10}


def test_the_dlt_source_and_the_export_take_their_page_sizes_from_the_table() -> None:
    root = Path(skiplino_async.__file__).parent
    literal = [
        f"{path.relative_to(root)}:{node.value.lineno}"
        for path in [*root.glob("dlt/*.py"), *root.glob("export/**/*.py")]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.keyword) and node.arg == "limit"
        if isinstance(node.value, ast.Constant)
    ]
    assert literal == []
    assert (MAX_LIMIT["customers"], MAX_LIMIT["tickets"]) == (CUSTOMERS_PAGE, TICKETS_PAGE)


def test_the_document_has_a_path_per_row() -> None:
    paths = openapi_document()["paths"]
    found = {
        (m.upper(), p, op["operationId"]) for p, item in paths.items() for m, op in item.items()
    }
    assert found == {(op.method, op.path, op.operation_id) for op in OPERATIONS}


async def test_the_fake_routes_each_row_and_checks_its_key_rule() -> None:
    async with FakeSkiplino() as fake, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {fake.public_key}"}
        for op in OPERATIONS:
            path = op.path.replace("{branchId}", SEEF).replace("{id}", "x")
            async with http.request(op.method, fake.url + path, headers=headers) as response:
                body = await response.json()
                assert "route" not in str(body.get("error")), op.name  # routed, not "no route"
                assert (response.status == 401) == op.secret_only, op.name


# -- fields: models, the fake's records and the document's schemas ---------------------------


def test_every_response_model_has_a_schema_with_exactly_its_fields() -> None:
    schemas = openapi_document()["components"]["schemas"]
    response_models = {models.Pagination, models.Service}
    for op in OPERATIONS:
        if op.response is not type(None):
            response_models.add(getattr(op.response, "__args__", (op.response,))[0])
    for cls in response_models:
        assert set(schemas[cls.__name__]["properties"]) == _wire(cls), cls.__name__


def test_the_fakes_customers_answer_every_field_of_the_model() -> None:
    """Over a few seed customers, every field of the model is answered (each is absent for some:
    "not stored"), and nothing else; a field added to the model only is answered too."""
    seen: set[str] = set()
    for customer in itertools.islice(FakeState(customers=200).iter_customers(), 200):
        answered = set(customer_json(customer))
        assert answered <= _wire(models.Customer)
        seen |= answered
    assert seen == _wire(models.Customer)


def test_the_fakes_ticket_json_has_exactly_the_models_fields() -> None:
    state = FakeState(customers=1)
    customer = next(state.iter_customers())
    ticket = state.book_ticket(WITHDRAWAL, TELLER, customer_id=customer.id)
    assert set(ticket_json(state, ticket, "en")) == _wire(models.Ticket)


@pytest.mark.parametrize(
    ("run", "path", "cls"),
    [
        (list_branches, {}, models.Branch),
        (branch_tree, {"branchId": SEEF}, models.BranchTreeGroup),
        (service_slots, {"id": OPENING}, models.Slot),
    ],
)
def test_the_fakes_catalogue_json_has_exactly_the_models_fields(
    run: Any, path: dict[str, str], cls: type
) -> None:
    state = FakeState(customers=0, clock=lambda: MORNING)  # slots are left today
    data = run(Call(state, "en", path, {})).body["data"]
    assert data
    assert all(set(item) == _wire(cls) for item in data)
    if cls is models.BranchTreeGroup:
        services = [s for group in data for s in group["services"]]
        assert services
        assert all(set(s) == _wire(models.Service) for s in services)
