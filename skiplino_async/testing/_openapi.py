"""The OpenAPI 3.1 document of the Skiplino external API v1, written from the API reference.

This module is the one source of the document: the fake server serves it (``GET
/openapi.json``), the test suite validates it and runs schemathesis and the SDK's requests
against it. It describes the API as documented; where the reference says "unknown", the
document stays open (no extra constraints, every enum a plain string, extra fields allowed).
Response fields are required only where the reference lists them without "opt".
"""

from __future__ import annotations

import copy
from typing import Any, Final

Json = dict[str, Any]

#: The documented base URL; the fake server puts its own URL first when it serves the document.
DOCUMENTED_SERVER: Final = "https://api-dev.skiplino.com/external/v1"

_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$"

LAYLA_ID: Final = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
_SEEF = {"id": "802b33af66", "name": "Seef Mall Branch"}
_TELLER = {"id": "7c1f9a3b2d", "name": "Teller Services"}
_LAYLA = {"id": LAYLA_ID, "name": "Layla Hassan"}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str | None = None, **extra: Any) -> Json:
    out: Json = {"type": "string", **extra}
    if description:
        out["description"] = description
    return out


def _utc_time(description: str) -> Json:
    return _string(description, format="date-time")


def _request_time(description: str) -> Json:
    return _string(
        f"{description} UTC with a trailing Z, in the future.",
        format="date-time",
        pattern=_ISO_UTC,
    )


def _named_ref(what: str) -> Json:
    return {
        "type": "object",
        "description": f"The {what}: id and localized name.",
        "required": ["id", "name"],
        "properties": {"id": _string(), "name": _string()},
    }


# -- example values (all from the API reference) ---------------------------------------------

TICKET_EXAMPLE: Final[Json] = {
    "id": "k7m2p9x4q1",
    "ticketNumber": "A042",
    "status": "waiting",
    "statusAt": "2026-06-23T11:10:00.000Z",
    "type": "appointment",
    "time": "2026-07-01T09:30:00.000Z",
    "branch": _SEEF,
    "service": {"id": "802b33af66", "name": "Account Opening"},
    "groupOfService": _TELLER,
    "customer": _LAYLA,
    "bookedAt": "2026-06-23T11:08:41.000Z",
    "queueSize": 6,
    "waitingTime": 18,
}

CUSTOMER_EXAMPLE: Final[Json] = {
    "_id": LAYLA_ID,
    "externalId": "crm-7741",
    "companyId": "cmp_5f3a91",
    "name": "Layla Hassan",
    "email": "layla.hassan@example.com",
    "mobile": "+97333445566",
    "metadata": {"tier": "gold", "source": "mobile-app"},
    "createdAt": "2026-06-23T11:00:00.000Z",
    "updatedAt": "2026-06-23T11:00:00.000Z",
}

_BOOKED_APPOINTMENT: Final[Json] = {
    "message": "Appointment booked successfully.",
    "data": {
        **{k: v for k, v in TICKET_EXAMPLE.items() if k not in ("queueSize", "waitingTime")},
        "status": "upcoming",
        "statusAt": "2026-06-23T11:05:22.000Z",
        "bookedAt": "2026-06-23T11:05:22.000Z",
    },
}

_FETCHED_WALK_IN: Final[Json] = {
    "message": "Ticket fetched successfully.",
    "data": {
        **TICKET_EXAMPLE,
        "ticketNumber": "Q017",
        "type": "sequential",
        "time": None,
        "service": {"id": "6fe8fb8b12", "name": "Cash Withdrawal"},
    },
}

_RESCHEDULED: Final[Json] = {
    "message": "Ticket updated successfully.",
    "data": {
        **_BOOKED_APPOINTMENT["data"],
        "status": "waiting",
        "statusAt": "2026-06-23T11:25:00.000Z",
        "time": "2026-07-02T13:00:00.000Z",
    },
}

_CUSTOMERS_PAGE: Final[Json] = {
    "message": "Customers fetched successfully.",
    "data": [{**CUSTOMER_EXAMPLE, "metadata": {"tier": "gold"}}],
    "pagination": {
        "total": 137,
        "page": 1,
        "limit": 10,
        "totalPages": 14,
        "hasNextPage": True,
        "hasPrevPage": False,
    },
}


# -- schemas ---------------------------------------------------------------------------------


def _schemas() -> Json:
    customer_fields: Json = {
        "externalId": _string("Your own id for the person; unique within the company."),
        "name": _string(),
        "email": _string("Validation rules are not documented."),
        "mobile": _string("E.164-like in the examples; normalisation is not documented."),
        "metadata": {"type": "object", "description": "Free-form key/value object."},
    }
    # Empty fields are not stored, and whether null or "" clears one is not documented:
    # requests accept null for every writable field.
    write_fields = {
        key: {**schema, "type": [schema["type"], "null"]} for key, schema in customer_fields.items()
    }
    customer_ids = {
        "customerId": _string("32-hex customer id."),
        "customerExternalId": _string("The customer's externalId."),
    }
    one_customer = {
        "oneOf": [
            {"required": ["customerId"], "not": {"required": ["customerExternalId"]}},
            {"required": ["customerExternalId"], "not": {"required": ["customerId"]}},
        ]
    }
    return {
        "Branch": {
            "type": "object",
            "description": "An active branch of the key's company.",
            "required": ["id", "name", "branchStatus"],
            "properties": {
                "id": _string("10 characters in the examples."),
                "name": _string("Localized per X-Locale."),
                "branchStatus": {
                    "type": "object",
                    "required": ["isBranchOpen"],
                    "properties": {
                        "isBranchOpen": {
                            "type": "boolean",
                            "description": "Open right now, in company time.",
                        }
                    },
                },
            },
        },
        "BranchTreeGroup": {
            "type": "object",
            "description": "An active service group of a branch with its active services.",
            "required": ["id", "name", "services"],
            "properties": {
                "id": _string("What groupOfServiceId refers to."),
                "name": _string("Localized per X-Locale."),
                "services": {"type": "array", "items": _ref("Service")},
            },
        },
        "Service": {
            "type": "object",
            "required": ["id", "name", "isOpen", "isAppointment"],
            "properties": {
                "id": _string("10-character alphanumeric."),
                "name": _string("Localized per X-Locale."),
                "isOpen": {"type": "boolean", "description": "Open right now."},
                "isAppointment": {
                    "type": "boolean",
                    "description": "Takes appointments (list slots, then book with a time).",
                },
            },
        },
        "Slot": {
            "type": "object",
            "required": ["time", "remaining"],
            "properties": {
                "time": _utc_time("Pass it back verbatim as the booking time."),
                "remaining": {"type": "integer", "minimum": 0},
            },
        },
        "Ticket": {
            "type": "object",
            "required": [
                "id",
                "ticketNumber",
                "status",
                "statusAt",
                "type",
                "time",
                "branch",
                "service",
                "groupOfService",
                "customer",
                "bookedAt",
            ],
            "properties": {
                "id": _string("10 characters, lowercase alphanumeric."),
                "ticketNumber": _string("Display number, e.g. A042 or Q017."),
                "status": _string(
                    "Open set: waiting, upcoming, serving, served, cancelled, and maybe others."
                ),
                "statusAt": _utc_time("When the current status was entered."),
                "type": _string("Open set: appointment, sequential (walk-in), ..."),
                "time": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "Appointment time; null for walk-ins.",
                },
                "branch": _named_ref("branch"),
                "service": _named_ref("service"),
                "groupOfService": _named_ref("service group"),
                "customer": {
                    "type": ["object", "null"],
                    "description": "The customer (32-hex id); null for an anonymous walk-in.",
                    "required": ["id"],
                    "properties": {"id": _string(), "name": _string()},
                },
                "bookedAt": _utc_time("Booking time."),
                "queueSize": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "People ahead; only while the status is waiting.",
                },
                "waitingTime": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Estimated wait in whole minutes; only while waiting.",
                },
            },
            "examples": [TICKET_EXAMPLE],
        },
        "Customer": {
            "type": "object",
            "description": "Empty optional fields are not stored, so they may be absent.",
            "required": ["_id", "companyId", "createdAt", "updatedAt"],
            "properties": {
                "_id": _string("32-character hexadecimal, server-generated."),
                **customer_fields,
                "companyId": _string(),
                "createdAt": _utc_time("Server-set."),
                "updatedAt": _utc_time("Server-set."),
            },
            "examples": [CUSTOMER_EXAMPLE],
        },
        "CustomerWriteRequest": {
            "type": "object",
            "description": "Every field is optional; send externalId to make retries safe.",
            "properties": write_fields,
        },
        "CustomerUpdateRequest": {
            "type": "object",
            "description": (
                "Partial update: only the fields sent change. The record is located by id "
                "(then an externalId is its new external id) or, without id, by externalId. "
                "metadata replaces the stored object."
            ),
            "properties": {"id": _string("32-hex internal id."), **write_fields},
            "anyOf": [{"required": ["id"]}, {"required": ["externalId"]}],
        },
        "BookTicketRequest": {
            "type": "object",
            "description": (
                "Without time a walk-in (at most one customer identifier), with time an "
                "appointment (exactly one customer identifier). The reference's schema example "
                "sends both identifiers, which its own rules forbid."
            ),
            "required": ["serviceId", "groupOfServiceId"],
            "properties": {
                "serviceId": _string("An active service of the company."),
                "groupOfServiceId": _string("The service's group in the branch tree."),
                "time": _request_time("A slot time; its presence makes an appointment."),
                **customer_ids,
                "options": {"type": "object", "description": "Semantics not documented."},
                "location": {
                    "type": "object",
                    "required": ["lat", "lng"],
                    "properties": {
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lng": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                },
            },
            "not": {"required": ["customerId", "customerExternalId"]},
            "if": {"required": ["time"]},
            "then": one_customer,
        },
        "ChangeTimeRequest": {
            "type": "object",
            "required": ["time"],
            "properties": {
                "time": _request_time("The new appointment time."),
                **customer_ids,
            },
            **one_customer,
        },
        "SuccessEnvelope": {
            "type": "object",
            "required": ["message", "data"],
            "properties": {
                "message": _string("Human-readable; may be localized. Do not branch on it."),
                "data": {"type": ["object", "array", "null"]},
            },
        },
        "PaginatedEnvelope": {
            "type": "object",
            "required": ["message", "data", "pagination"],
            "properties": {
                "message": _string(),
                "data": {"type": "array"},
                "pagination": _ref("Pagination"),
            },
        },
        "Pagination": {
            "type": "object",
            "required": ["total", "page", "limit", "totalPages", "hasNextPage", "hasPrevPage"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "limit": {"type": "integer", "minimum": 1},
                "totalPages": {"type": "integer", "minimum": 0},
                "hasNextPage": {"type": "boolean"},
                "hasPrevPage": {"type": "boolean"},
            },
        },
        "ErrorEnvelope": {
            "type": "object",
            "description": "error is a reason string, an object keyed by field, or null.",
            "required": ["error"],
            "properties": {
                "message": _string(),
                "error": {"type": ["string", "object", "null"]},
            },
        },
        "ValidationErrorEnvelope": {
            "type": "object",
            "description": "422: error is keyed by the offending field or parameter name.",
            "required": ["error"],
            "properties": {
                "message": _string(),
                "error": {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [{"type": "string"}, {"type": "array", "items": _string()}]
                    },
                },
            },
        },
        "AuthErrorEnvelope": {
            "type": "object",
            "description": "401: missing or invalid key, or a public key on a secret-only call.",
            "properties": {
                "message": _string(),
                "error": {"type": ["string", "object", "null"]},
            },
        },
    }


# -- operations ------------------------------------------------------------------------------

_ERRORS: Final = {
    "400": ("Booking business rule failed (branch or service closed, ...).", "ErrorEnvelope"),
    "401": (
        "Missing or invalid API key, or a public key on a secret-only call.",
        "AuthErrorEnvelope",
    ),
    "404": ("The resource could not be resolved.", "ErrorEnvelope"),
    "409": ("The ticket is not waiting or upcoming.", "ErrorEnvelope"),
    "422": ("Validation failed (unknown identifiers included).", "ValidationErrorEnvelope"),
    "500": ("Server error.", "ErrorEnvelope"),
}


def _json_content(schema: Json, examples: Json | None = None) -> Json:
    media: Json = {"schema": schema}
    if examples:
        media["examples"] = {name: {"value": value} for name, value in examples.items()}
    return {"application/json": media}


def _success(
    description: str,
    data: Json,
    *,
    paginated: bool = False,
    links: Json | None = None,
    **examples: Any,
) -> Json:
    envelope = "PaginatedEnvelope" if paginated else "SuccessEnvelope"
    schema = {"allOf": [_ref(envelope), {"properties": {"data": data}}]}
    out = {"description": description, "content": _json_content(schema, examples)}
    if links:
        out["links"] = links
    return out


def _errors(*statuses: str, **examples: Json) -> Json:
    out: Json = {}
    for status in (*statuses, "401", "500"):
        description, schema = _ERRORS[status]
        # Examples are passed as e<status>_<name>=value.
        found = {k.split("_", 1)[1]: v for k, v in examples.items() if k.startswith(f"e{status}")}
        out[status] = {"description": description, "content": _json_content(_ref(schema), found)}
    return out


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: Json,
    *,
    secret_only: bool = False,
    parameters: list[Json] | None = None,
    body: Json | None = None,
) -> Json:
    security: list[Json] = [{"secretKey": []}]
    if not secret_only:
        security.append({"publicKey": []})
    op: Json = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "parameters": [{"$ref": "#/components/parameters/XLocale"}, *(parameters or [])],
        "responses": responses,
    }
    if secret_only:
        op["description"] = "Secret key only: a public key gets 401."
    if body is not None:
        op["requestBody"] = body
    return op


def _body(schema: str, **examples: Any) -> Json:
    return {"required": True, "content": _json_content(_ref(schema), examples)}


def _path_param(name: str, description: str, example: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


def _query(name: str, schema: Json, description: str, example: object = None) -> Json:
    out: Json = {"name": name, "in": "query", "description": description, "schema": schema}
    if example is not None:
        out["example"] = example
    return out


def _links(param: str, id_pointer: str, *operation_ids: str) -> Json:
    """Links from a response carrying an id to the operations that take it as ``param``."""
    return {
        op: {"operationId": op, "parameters": {param: f"$response.body#{id_pointer}"}}
        for op in operation_ids
    }


def _page_params(max_limit: int) -> list[Json]:
    page = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "default": 1}
    limit = {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 10}
    return [
        _query("page", page, "Page number, from 1."),
        _query("limit", limit, f"Page size, 1-{max_limit}."),
    ]


def _locator_params(what: str) -> list[Json]:
    text = f"The {what}; send id or externalId (at least one; id wins when both are sent)."
    return [
        _query("id", {"type": "string", "minLength": 1}, f"32-hex internal id. {text}", LAYLA_ID),
        _query(
            "externalId", {"type": "string", "minLength": 1}, f"Your own id. {text}", "crm-7741"
        ),
    ]


def _paths() -> Json:
    ticket = _ref("Ticket")
    customer = _ref("Customer")
    ticket_id = _path_param("id", "Ticket id (10 characters).", "k7m2p9x4q1")
    return {
        "/branches": {
            "get": _operation(
                "listBranches",
                "List active branches",
                "branches",
                {
                    "200": _success(
                        "Active branches.",
                        {"type": "array", "items": _ref("Branch")},
                        links=_links("branchId", "/data/0/id", "getBranchTree"),
                    ),
                    **_errors(),
                },
            )
        },
        "/branches/{branchId}/tree": {
            "get": _operation(
                "getBranchTree",
                "Get a branch's service tree",
                "branches",
                {
                    "200": _success(
                        "Active groups with their active services.",
                        {"type": "array", "items": _ref("BranchTreeGroup")},
                    ),
                    **_errors("404"),
                },
                parameters=[
                    _path_param("branchId", "A branch id from List active branches.", _SEEF["id"])
                ],
            )
        },
        "/services/{id}/slots": {
            "get": _operation(
                "getServiceSlots",
                "Get available appointment slots",
                "services",
                {
                    "200": _success(
                        "Bookable slots of the day (empty: none left).",
                        {"type": "array", "items": _ref("Slot")},
                    ),
                    **_errors(
                        "404",
                        "422",
                        e422_notAppointment={
                            "message": "The given data was invalid.",
                            "error": {"id": "This service does not support appointment booking."},
                        },
                    ),
                },
                parameters=[
                    _path_param("id", "An appointment-enabled service id.", "6fe8fb8b12"),
                    _query(
                        "date",
                        {"type": "string", "format": "date"},
                        "Day in company time, today or later; defaults to today.",
                    ),
                ],
            )
        },
        "/tickets/book": {
            "post": _operation(
                "bookTicket",
                "Book a ticket (walk-in or appointment)",
                "tickets",
                {
                    "201": _success(
                        "Booked: 'Ticket booked successfully.' for walk-ins, 'Appointment "
                        "booked successfully.' for appointments.",
                        ticket,
                        links=_links(
                            "id", "/data/id", "getTicket", "cancelTicket", "changeTicketTime"
                        ),
                        appointment=_BOOKED_APPOINTMENT,
                    ),
                    **_errors("400", "422"),
                },
                body=_body(
                    "BookTicketRequest",
                    walkIn={"serviceId": "6fe8fb8b12", "groupOfServiceId": "7c1f9a3b2d"},
                ),
            )
        },
        "/tickets/{id}": {
            "get": _operation(
                "getTicket",
                "Fetch a ticket",
                "tickets",
                {
                    "200": _success("The ticket now.", ticket, walkIn=_FETCHED_WALK_IN),
                    **_errors("404"),
                },
                parameters=[ticket_id],
            )
        },
        "/tickets/{id}/cancel": {
            "post": _operation(
                "cancelTicket",
                "Cancel a ticket",
                "tickets",
                {
                    "200": _success("The ticket in its cancelled state.", ticket),
                    **_errors("409", "422"),
                },
                parameters=[ticket_id],
                body={
                    "required": False,
                    "description": "No body, or an empty one; it is ignored.",
                    "content": {"application/json": {"schema": {}}},
                },
            )
        },
        "/tickets/{id}/change-time": {
            "post": _operation(
                "changeTicketTime",
                "Reschedule an appointment",
                "tickets",
                {
                    "200": _success(
                        "The ticket at its new time.", ticket, rescheduled=_RESCHEDULED
                    ),
                    **_errors(
                        "400",
                        "404",
                        "422",
                        e404_ticketNotFound={
                            "message": "Ticket not found.",
                            "error": "Ticket not found.",
                        },
                    ),
                },
                parameters=[ticket_id],
                body=_body(
                    "ChangeTimeRequest",
                    byCustomerId={"time": "2026-07-02T13:00:00.000Z", "customerId": LAYLA_ID},
                ),
            )
        },
        "/customers/create": {
            "post": _operation(
                "createCustomer",
                "Create a customer",
                "customers",
                {
                    "201": _success(
                        "Created.",
                        customer,
                        links=_links(
                            "id",
                            "/data/_id",
                            "getCustomer",
                            "deleteCustomer",
                            "listCustomerTickets",
                        ),
                        created={
                            "message": "Customer created successfully.",
                            "data": CUSTOMER_EXAMPLE,
                        },
                    ),
                    **_errors(
                        "422",
                        e422_taken={
                            "message": "The given data was invalid.",
                            "error": {"externalId": "This value is already taken."},
                        },
                    ),
                },
                secret_only=True,
                body=_body(
                    "CustomerWriteRequest",
                    layla={k: CUSTOMER_EXAMPLE[k] for k in customer_field_names()},
                ),
            )
        },
        "/customers/getAll": {
            "get": _operation(
                "listCustomers",
                "List customers (paginated, newest first)",
                "customers",
                {
                    "200": _success(
                        "A page of customers.",
                        {"type": "array", "items": customer},
                        paginated=True,
                        firstPage=_CUSTOMERS_PAGE,
                    ),
                    **_errors("422"),
                },
                secret_only=True,
                parameters=_page_params(100),
            )
        },
        "/customers/getOne": {
            "get": _operation(
                "getCustomer",
                "Fetch one customer",
                "customers",
                {
                    "200": _success("The customer.", customer),
                    **_errors(
                        "422",
                        e422_unknown={
                            "message": "The given data was invalid.",
                            "error": {"id": "This value does not exist."},
                        },
                    ),
                },
                secret_only=True,
                parameters=_locator_params("customer"),
            )
        },
        "/customers/update": {
            "put": _operation(
                "updateCustomer",
                "Update a customer (partial)",
                "customers",
                {
                    "200": _success("The updated customer.", customer),
                    **_errors(
                        "404",
                        "422",
                        e404_vanished={"message": "Customer not found.", "error": None},
                    ),
                },
                secret_only=True,
                body=_body(
                    "CustomerUpdateRequest",
                    layla={
                        "id": LAYLA_ID,
                        "externalId": "crm-7741",
                        "name": "Layla A. Hassan",
                        "email": "layla.new@example.com",
                        "mobile": "+97333778899",
                        "metadata": {"tier": "platinum"},
                    },
                ),
            )
        },
        "/customers/delete": {
            "delete": _operation(
                "deleteCustomer",
                "Delete a customer",
                "customers",
                {
                    "200": _success(
                        "Deleted; data is null.",
                        {"type": "null"},
                        deleted={"message": "Customer deleted successfully.", "data": None},
                    ),
                    **_errors("422"),
                },
                secret_only=True,
                parameters=_locator_params("customer"),
            )
        },
        "/customers/tickets": {
            "get": _operation(
                "listCustomerTickets",
                "List a customer's tickets (paginated, newest first)",
                "customers",
                {
                    "200": _success(
                        "A page of the customer's tickets.",
                        {"type": "array", "items": ticket},
                        paginated=True,
                    ),
                    **_errors("404", "422"),
                },
                parameters=[*_locator_params("customer"), *_page_params(10)],
            )
        },
    }


def customer_field_names() -> tuple[str, ...]:
    """The writable customer fields, in wire names."""
    return ("externalId", "name", "email", "mobile", "metadata")


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
