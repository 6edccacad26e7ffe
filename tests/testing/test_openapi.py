"""The OpenAPI document: valid OpenAPI 3.1, complete, its examples valid, served by the fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from openapi_check import Document, pointer
from openapi_spec_validator import validate

from skiplino_async._operations import OPERATIONS as TABLE
from skiplino_async.testing import FakeSkiplino, openapi_document
from skiplino_async.testing._openapi import DOCUMENTED_SERVER

OPERATIONS = {(op.method, op.path) for op in TABLE}
SECRET_ONLY = {op.operation_id for op in TABLE if op.secret_only}
SCHEMAS = {
    "Branch",
    "BranchTreeGroup",
    "Service",
    "Slot",
    "Ticket",
    "Customer",
    "CustomerWriteRequest",
    "CustomerUpdateRequest",
    "BookTicketRequest",
    "ChangeTimeRequest",
    "SuccessEnvelope",
    "PaginatedEnvelope",
    "Pagination",
    "ErrorEnvelope",
    "ValidationErrorEnvelope",
    "AuthErrorEnvelope",
}
DOC = Document()


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC.document["paths"].items():
        for method, op in item.items():
            yield method, path, op


def _examples() -> Iterator[tuple[str, Any, str]]:
    """(where, example value, JSON pointer of the schema it must match) for every example."""
    for name, schema in DOC.document["components"]["schemas"].items():
        for index, value in enumerate(schema.get("examples", [])):
            yield f"{name}[{index}]", value, pointer("components", "schemas", name)
    for method, path, op in _operations():
        where = ("paths", path, method)
        for index, param in enumerate(op["parameters"]):
            if "example" in param:
                at = pointer(*where, "parameters", str(index), "schema")
                yield f"{method.upper()} {path} {param['name']}", param["example"], at
        media_types = [("requestBody", op.get("requestBody", {}))]
        media_types += [(f"responses/{s}", r) for s, r in op["responses"].items()]
        for part, spec in media_types:
            media = spec.get("content", {}).get("application/json", {})
            for name, example in media.get("examples", {}).items():
                at = pointer(*where, *part.split("/"), "content", "application/json", "schema")
                yield f"{method.upper()} {path} {part} {name}", example["value"], at


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_it_has_the_tables_operations_and_the_16_schemas() -> None:
    assert {(m.upper(), p) for m, p, _ in _operations()} == OPERATIONS
    assert set(DOC.document["components"]["schemas"]) == SCHEMAS
    assert len({op["operationId"] for _, _, op in _operations()}) == len(TABLE)


def test_security_bearer_secret_or_public_key() -> None:
    schemes = DOC.document["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}
    for _, _, op in _operations():
        kinds = {name for requirement in op["security"] for name in requirement}
        expected = {"secretKey"} if op["operationId"] in SECRET_ONLY else {"secretKey", "publicKey"}
        assert kinds == expected, op["operationId"]


def test_every_operation_documents_401_and_500_with_error_envelopes() -> None:
    for _, _, op in _operations():
        responses = op["responses"]
        assert {"401", "500"} <= set(responses), op["operationId"]
        for status, response in responses.items():
            schema = response["content"]["application/json"]["schema"]
            if status.startswith("2"):
                assert "allOf" in schema
            else:
                assert schema["$ref"].rsplit("/", 1)[1] in {
                    "ErrorEnvelope",
                    "ValidationErrorEnvelope",
                    "AuthErrorEnvelope",
                }


def test_the_documented_examples_are_in_it() -> None:
    names = {where for where, _, _ in _examples()}
    assert "Ticket[0]" in names
    assert "Customer[0]" in names
    assert "GET /customers/getAll responses/200 firstPage" in names
    assert "POST /tickets/book responses/201 appointment" in names
    assert "POST /tickets/book requestBody walkIn" in names
    assert "PUT /customers/update requestBody layla" in names
    assert "POST /tickets/{id}/change-time responses/404 ticketNotFound" in names
    assert len(names) >= 15


def test_links_lead_to_operations_taking_that_parameter() -> None:
    operations = {op["operationId"]: op for _, _, op in _operations()}
    links = [
        link
        for _, _, op in _operations()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 7
    for link in links:
        target = operations[link["operationId"]]
        names = {DOC.resolve(p)["name"] for p in target["parameters"]}
        assert set(link["parameters"]) <= names


@pytest.mark.parametrize(("where", "value", "at"), list(_examples()), ids=lambda v: str(v)[:60])
def test_every_example_matches_its_schema(where: str, value: Any, at: str) -> None:
    assert DOC.schema_errors(value, at) == [], where


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ("BookTicketRequest", {"serviceId": "s", "groupOfServiceId": "g", "time": "2026-07-01"}),
        (
            "BookTicketRequest",
            {"serviceId": "s", "groupOfServiceId": "g", "time": "x", "customerId": "c"},
        ),
        (
            "BookTicketRequest",
            {
                "serviceId": "s",
                "groupOfServiceId": "g",
                "customerId": "c",
                "customerExternalId": "e",
            },
        ),
        ("BookTicketRequest", {"serviceId": "s", "groupOfServiceId": "g", "location": {"lat": 1}}),
        ("BookTicketRequest", {"serviceId": "s"}),
        ("ChangeTimeRequest", {"time": "2026-07-02T13:00:00.000Z"}),
        ("CustomerUpdateRequest", {"name": "no locator"}),
        ("Ticket", {"id": "k7m2p9x4q1"}),
    ],
)
def test_the_schemas_reject_what_the_reference_forbids(schema: str, value: Any) -> None:
    assert DOC.schema_errors(value, pointer("components", "schemas", schema))


@pytest.mark.parametrize("path", ["/openapi.json", "/external/v1/openapi.json"])
async def test_the_fake_serves_the_document_without_a_key(path: str) -> None:
    async with FakeSkiplino(customers=3) as fake, aiohttp.ClientSession() as session:
        fake.faults.status(503)  # every API call fails; the document is exempt
        origin = fake.url.removesuffix("/external/v1")
        async with session.get(origin + path) as resp:
            assert resp.status == 200
            assert resp.content_type == "application/json"
            document = await resp.json()
        assert fake.faults.fired == 0
        # The server's own URL first, so tools pointed at the document test this server.
        assert [s["url"] for s in document["servers"]] == [fake.url, DOCUMENTED_SERVER]
    assert {k: v for k, v in document.items() if k != "servers"} == {
        k: v for k, v in openapi_document().items() if k != "servers"
    }
