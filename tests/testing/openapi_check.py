"""Checks requests and JSON values against the package's OpenAPI document (jsonschema 2020-12).

A request the document does not allow yields a list of readable problems: an unknown
operation, an undocumented, missing or ill-typed parameter, a body that breaks its schema or
carries undocumented fields, a missing bearer token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jsonschema
import orjson
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from skiplino_async.testing import RecordedRequest
from skiplino_async.testing._openapi import openapi_document

DOCUMENT_URI = "urn:skiplino:openapi"
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def pointer(*parts: str) -> str:
    """A JSON pointer into the document (``~`` and ``/`` escaped)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]
    regex: re.Pattern[str]


class Document:
    """The OpenAPI document with a JSON-schema registry over it."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.document = document if document is not None else openapi_document()
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        self.operations: list[Operation] = []
        for template, item in self.document["paths"].items():
            regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$")
            for method, spec in item.items():
                self.operations.append(Operation(method.upper(), template, spec, regex))
        # Literal paths before templated ones: /tickets/book is not the ticket "book".
        self.operations.sort(key=lambda op: "{" in op.template)

    def resolve(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """``value`` with a top-level local ``$ref`` followed."""
        while "$ref" in value:
            resolved = self.registry.resolver(DOCUMENT_URI).lookup(value["$ref"]).contents
            value = resolved
        return dict(value)

    def schema_errors(self, instance: object, at: str) -> list[str]:
        """Why ``instance`` does not match the schema at JSON pointer ``at``."""
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{at}"}, registry=self.registry, format_checker=FORMATS
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    def find(self, method: str, path: str) -> Operation | None:
        """The operation of ``method`` on the first path (literal ones first) that matches."""
        matched = next((op.template for op in self.operations if op.regex.match(path)), None)
        for op in self.operations:
            if op.template == matched and op.method == method.upper():
                return op
        return None

    def declared_properties(self, schema: Mapping[str, Any]) -> set[str]:
        """Every property name a (resolved) request schema declares, through allOf."""
        schema = self.resolve(schema)
        names = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            names |= self.declared_properties(part)
        return names

    def request_problems(
        self,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[str]:
        """Everything in this request that the document does not allow (empty: none)."""
        op = self.find(method, path)
        if op is None:
            return [f"{method} {path} is no documented operation"]
        problems: list[str] = []
        where = pointer("paths", op.template, op.method.lower())
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token.strip():
            problems.append("no Authorization: Bearer <key> header")
        query = parse_qsl(query_string, keep_blank_values=True)
        params = [self.resolve(p) for p in op.spec.get("parameters", [])]
        declared = {p["name"] for p in params if p["in"] == "query"}
        problems += [f"undocumented query parameter {k!r}" for k, _ in query if k not in declared]
        for param in params:
            problems += self._parameter_problems(param, query, headers)
        problems += self._body_problems(op, where, headers, body)
        return problems

    def _parameter_problems(
        self,
        param: Mapping[str, Any],
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
    ) -> Iterator[str]:
        name, location = param["name"], param["in"]
        if location == "query":
            values = [v for k, v in query if k == name]
        elif location == "header":
            values = [headers[name]] if name in headers else []
        else:
            return  # path segments are plain strings in this document
        if not values:
            if param.get("required"):
                yield f"missing {location} parameter {name!r}"
            return
        if len(values) > 1:
            yield f"{location} parameter {name!r} sent {len(values)} times"
        schema = self.resolve(param["schema"])
        validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
        for raw in values:
            value: object = raw
            if schema.get("type") == "integer":
                value = int(raw) if re.fullmatch(r"-?\d+", raw) else raw
            for error in validator.iter_errors(value):
                yield f"{location} parameter {name}={raw!r}: {error.message}"

    def _body_problems(
        self, op: Operation, where: str, headers: Mapping[str, str], body: bytes
    ) -> Iterator[str]:
        spec = op.spec.get("requestBody")
        if spec is None:
            if body:
                yield "a body on an operation that takes none"
            return
        if not body:
            if spec.get("required"):
                yield "missing the required JSON body"
            return
        if headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            yield f"body sent as {headers.get('Content-Type')!r}, not application/json"
        try:
            instance = orjson.loads(body)
        except orjson.JSONDecodeError:
            yield "the body is not JSON"
            return
        at = f"{where}/requestBody/content/application~1json/schema"
        yield from (f"body {e}" for e in self.schema_errors(instance, at))
        schema = spec["content"]["application/json"]["schema"]
        declared = self.declared_properties(schema)
        if declared and isinstance(instance, dict):
            extra = sorted(set(instance) - declared)
            if extra:
                yield f"undocumented body fields {extra}"

    def recorded_problems(self, request: RecordedRequest) -> list[str]:
        """:meth:`request_problems` of a request a fake server recorded."""
        return self.request_problems(
            request.method, request.raw_path, request.query_string, request.headers, request.body
        )
