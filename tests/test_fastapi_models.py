"""SDK models in FastAPI: ``response_model=``, request bodies and the app's OpenAPI document."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Any

import pytest

import skiplino_async as sk

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

CUSTOMER = {
    "_id": "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b",
    "externalId": "crm-1",
    "name": "Layla",
    "metadata": {"tier": "gold"},
    "createdAt": "2026-07-01T09:30:00.120Z",
    "loyaltyPoints": 7,  # a field the SDK does not know: kept, and sent back
}
TICKET = {
    "id": "k7m2p9x4q1",
    "status": "waiting",
    "branch": {"id": "b1", "name": "Seef"},
    "time": "2026-07-01T09:30:00.000Z",
}


def app_client() -> TestClient:
    app = fastapi.FastAPI()

    @app.get("/customer", response_model=sk.Customer)
    def customer() -> Any:
        return sk.Customer.from_dict(CUSTOMER)

    @app.get("/tickets")
    def tickets() -> list[sk.Ticket]:
        return [sk.Ticket.from_dict(TICKET)]

    @app.post("/echo")
    def echo(body: Annotated[sk.Customer, fastapi.Body()]) -> sk.Customer:
        assert isinstance(body, sk.Customer)
        return body

    return TestClient(app)


def test_a_returned_model_is_sent_in_the_wire_format() -> None:
    with app_client() as http:
        assert http.get("/customer").json() == CUSTOMER
        assert http.get("/tickets").json() == [TICKET]


def test_a_request_body_is_validated_from_the_wire_format() -> None:
    with app_client() as http:
        assert http.post("/echo", json=CUSTOMER).json() == CUSTOMER
        bad = http.post("/echo", json={"name": 3})
    assert bad.status_code == 422
    assert "_id" in bad.text


def test_the_openapi_document_shows_the_wire_schema() -> None:
    with app_client() as http:
        spec = http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    customer = schemas["Customer"]
    assert customer["required"] == ["_id"]
    assert customer["properties"]["createdAt"]["anyOf"][0] == {
        "type": "string",
        "format": "date-time",
    }
    assert "extra" not in customer["properties"]
    assert customer["additionalProperties"] is True
    answer = spec["paths"]["/customer"]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/Customer"}
    ticket = schemas["Ticket"]  # one schema, not a -Input and an -Output
    assert {"ticketNumber", "groupOfService", "queueSize"} <= ticket["properties"].keys()
    assert ticket["properties"]["branch"]["anyOf"][0] == {"$ref": "#/components/schemas/Ref"}


def test_pydantic_is_not_imported_by_the_sdk() -> None:
    code = "import sys, skiplino_async; print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == "False\n", done.stderr
