"""The OpenAPI 3.1 document of the Skiplino external API v1, written from the API reference.

This module is the one source of the document: the fake server serves it (``GET
/openapi.json``), the test suite validates it and runs schemathesis and the SDK's requests
against it. It describes the API as documented; where the reference says "unknown", the
document stays open (no extra constraints, every enum a plain string, extra fields allowed).
Response fields are required only where the reference lists them without "opt".

Its paths are built from the SDK's table of operations, its response schemas from the SDK's
models (a field's schema follows from its type; :mod:`._openapi_data` adds descriptions and
constraints, examples, and the request and envelope schemas).
"""

from __future__ import annotations

import copy
import typing
from datetime import datetime
from typing import Any, Final

import attrs

from .. import models
from .._operations import API_DEFAULT_LIMIT, MAX_PAGE, OPERATIONS, Operation, Param
from .._wirefields import wire_fields
from . import _openapi_data as data
from ._openapi_data import CUSTOMER_EXAMPLE, TICKET_EXAMPLE, Json, ref

# The documented examples are the document's: tests build responses from them.
__all__ = ["CUSTOMER_EXAMPLE", "DOCUMENTED_SERVER", "TICKET_EXAMPLE", "openapi_document"]

#: The documented base URL; the fake server puts its own URL first when it serves the document.
DOCUMENTED_SERVER: Final = "https://api-dev.skiplino.com/external/v1"

_SCALARS: Final[dict[Any, Json]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    datetime: {"type": "string", "format": "date-time"},
    dict[str, Any]: {"type": "object"},
}


# -- schemas ---------------------------------------------------------------------------------


def _type_schema(tp: Any) -> Json:
    """A field's schema from its type alone."""
    if typing.get_origin(tp) is list:
        return {"type": "array", "items": _type_schema(typing.get_args(tp)[0])}
    if attrs.has(tp):
        return ref(tp.__name__)
    return dict(_SCALARS[tp])


def _field_schema(tp: Any, documented: Json | None) -> Json:
    """The documented schema, if it has a type of its own; else the type's, with its notes."""
    if documented is not None and "type" in documented:
        return documented
    return {**_type_schema(tp), **(documented or {})}


def _model_schema(name: str, doc: data.ModelDoc) -> Json:
    """A response model's schema: its fields' types, with the document's additions."""
    fields = wire_fields(getattr(models, name))
    unknown = set(doc.fields) - {f.wire for f in fields}
    if unknown:
        raise ValueError(f"{name} has no field {sorted(unknown)}")
    out: Json = {"type": "object"}
    if doc.description:
        out["description"] = doc.description
    out["required"] = list(doc.required)
    out["properties"] = {f.wire: _field_schema(f.type, doc.fields.get(f.wire)) for f in fields}
    if doc.examples:
        out["examples"] = list(doc.examples)
    return out


def _schemas() -> Json:
    responses = {name: _model_schema(name, doc) for name, doc in data.MODELS.items()}
    return {**responses, **data.REQUESTS, **data.ENVELOPES}


# -- paths -----------------------------------------------------------------------------------


def _json_content(schema: Json, examples: Json | None = None) -> Json:
    media: Json = {"schema": schema}
    if examples:
        media["examples"] = {name: {"value": value} for name, value in examples.items()}
    return {"application/json": media}


def _data_schema(op: Operation[Any]) -> Json:
    if op.response is type(None):
        return {"type": "null"}
    return _type_schema(op.response)


def _success(op: Operation[Any], doc: data.OperationDoc) -> Json:
    envelope = "PaginatedEnvelope" if op.paging is not None else "SuccessEnvelope"
    schema = {"allOf": [ref(envelope), {"properties": {"data": _data_schema(op)}}]}
    out = {"description": doc.success, "content": _json_content(schema, doc.examples)}
    if doc.links:
        out["links"] = doc.links
    return out


def _errors(op: Operation[Any], doc: data.OperationDoc) -> Json:
    out: Json = {}
    for status in (*op.errors, "401", "500"):
        description, schema = data.ERRORS[status]
        # Examples are named e<status>_<name>.
        found = {k.split("_", 1)[1]: v for k, v in doc.errors.items() if k.startswith(f"e{status}")}
        out[status] = {"description": description, "content": _json_content(ref(schema), found)}
    return out


def _parameter(param: Param) -> Json:
    if param.where == "path":
        out: Json = {"name": param.wire, "in": "path", "required": True}
        schema: Json = {"type": "string"}
    else:
        out = {"name": param.wire, "in": "query"}
        is_date = param.kind == "date"
        schema = (
            {"type": "string", "format": "date"} if is_date else {"type": "string", "minLength": 1}
        )
    out.update(description=param.doc, schema=schema)
    if param.example is not None:
        out["example"] = param.example
    return out


def _page_params(max_limit: int) -> list[Json]:
    page = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
    limit = {"type": "integer", "minimum": 1, "maximum": max_limit, "default": API_DEFAULT_LIMIT}
    return [
        {"name": "page", "in": "query", "description": "Page number, from 1.", "schema": page},
        {
            "name": "limit",
            "in": "query",
            "description": f"Page size, 1-{max_limit}.",
            "schema": limit,
        },
    ]


def _parameters(op: Operation[Any]) -> list[Json]:
    out = [{"$ref": "#/components/parameters/XLocale"}, *map(_parameter, op.params)]
    if op.paging is not None:
        out += _page_params(op.paging.max_limit)
    return out


def _request_body(op: Operation[Any], doc: data.OperationDoc) -> Json | None:
    if doc.request_body is not None:
        return doc.request_body
    if op.body is None:
        return None
    return {"required": True, "content": _json_content(ref(op.body), doc.body)}


def _operation(op: Operation[Any]) -> Json:
    doc = data.OPERATIONS.get(op.name) or data.OperationDoc(op.summary)
    security: list[Json] = [{"secretKey": []}]
    if not op.secret_only:
        security.append({"publicKey": []})
    out: Json = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "security": security,
        "parameters": _parameters(op),
        "responses": {str(op.status): _success(op, doc), **_errors(op, doc)},
    }
    if op.secret_only:
        out["description"] = "Secret key only: a public key gets 401."
    body = _request_body(op, doc)
    if body is not None:
        out["requestBody"] = body
    return out


def _paths() -> Json:
    paths: Json = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return paths


# -- the document ----------------------------------------------------------------------------


def _document() -> Json:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skiplino external API",
            "version": "v1",
            "description": (
                "Queue tickets (walk-ins), appointments, branches and services, and a customer "
                "directory. Every success body is an envelope {message, data} (plus pagination "
                "for lists); errors carry error (a string, an object keyed by field, or null). "
                "Unknown response fields may appear; enumerations are open-ended."
            ),
        },
        "servers": [{"url": DOCUMENTED_SERVER, "description": "Documented (dev) host"}],
        "security": [{"secretKey": []}, {"publicKey": []}],
        "tags": [{"name": name} for name in ("branches", "services", "tickets", "customers")],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": {
                "XLocale": {
                    "name": "X-Locale",
                    "in": "header",
                    "required": False,
                    "description": "Localizes names and business-rule error text.",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {
                "secretKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A secret key (sk_...), for servers; every operation.",
                },
                "publicKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A public key: read-oriented; not for secret-only calls.",
                },
            },
        },
    }


_DOCUMENT: Final = _document()


def openapi_document(server_url: str | None = None) -> Json:
    """A fresh copy of the document; ``server_url`` (e.g. a fake server's) is listed first."""
    document = copy.deepcopy(_DOCUMENT)
    if server_url is not None:
        document["servers"].insert(0, {"url": server_url, "description": "This server"})
    return document
