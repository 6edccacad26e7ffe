"""What the OpenAPI document says beyond the table of operations: examples (all from the API
reference), each operation's response texts, links and error examples, each model field's
description and constraints, and the request and envelope schemas. Data only; the document
is assembled by :mod:`._openapi`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

Json = dict[str, Any]

ISO_UTC: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$"

LAYLA_ID: Final = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
_SEEF = {"id": "802b33af66", "name": "Seef Mall Branch"}
_TELLER = {"id": "7c1f9a3b2d", "name": "Teller Services"}
_LAYLA = {"id": LAYLA_ID, "name": "Layla Hassan"}


def ref(name: str) -> Json:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def string(description: str | None = None, **extra: Any) -> Json:
    """A string schema."""
    out: Json = {"type": "string", **extra}
    if description:
        out["description"] = description
    return out


def utc_time(description: str) -> Json:
    """A response time."""
    return string(description, format="date-time")


def request_time(description: str) -> Json:
    """A request time: UTC with a trailing Z."""
    return string(
        f"{description} UTC with a trailing Z, in the future.", format="date-time", pattern=ISO_UTC
    )


def named_ref(what: str) -> Json:
    """The ``{id, name}`` objects inside a ticket."""
    return {
        "type": "object",
        "description": f"The {what}: id and localized name.",
        "required": ["id", "name"],
        "properties": {"id": string(), "name": string()},
    }


# -- example values (all from the API reference; the tests check the SDK against them) ---------

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

BOOKED_APPOINTMENT: Final[Json] = {
    "message": "Appointment booked successfully.",
    "data": {
        **{k: v for k, v in TICKET_EXAMPLE.items() if k not in ("queueSize", "waitingTime")},
        "status": "upcoming",
        "statusAt": "2026-06-23T11:05:22.000Z",
        "bookedAt": "2026-06-23T11:05:22.000Z",
    },
}

FETCHED_WALK_IN: Final[Json] = {
    "message": "Ticket fetched successfully.",
    "data": {
        **TICKET_EXAMPLE,
        "ticketNumber": "Q017",
        "type": "sequential",
        "time": None,
        "service": {"id": "6fe8fb8b12", "name": "Cash Withdrawal"},
    },
}

RESCHEDULED: Final[Json] = {
    "message": "Ticket updated successfully.",
    "data": {
        **BOOKED_APPOINTMENT["data"],
        "status": "waiting",
        "statusAt": "2026-06-23T11:25:00.000Z",
        "time": "2026-07-02T13:00:00.000Z",
    },
}

CUSTOMER_CREATED: Final[Json] = {
    "message": "Customer created successfully.",
    "data": CUSTOMER_EXAMPLE,
}

CUSTOMERS_PAGE: Final[Json] = {
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


# -- operations: what the table of operations does not say ----------------------------------


def links(param: str, id_pointer: str, *operation_ids: str) -> Json:
    """Links from a response carrying an id to the operations that take it as ``param``."""
    return {
        op: {"operationId": op, "parameters": {param: f"$response.body#{id_pointer}"}}
        for op in operation_ids
    }


@dataclass(frozen=True)
class OperationDoc:
    """An operation's success text, links and examples. ``errors`` are examples keyed
    ``e<status>_<name>``; ``request_body`` replaces the one made from the row's schema."""

    success: str
    links: Json | None = None
    examples: Json = field(default_factory=dict)
    errors: Json = field(default_factory=dict)
    body: Json = field(default_factory=dict)
    request_body: Json | None = None


def _invalid(**errors: str) -> Json:
    return {"message": "The given data was invalid.", "error": errors}


_LAYLA_UPDATE: Final = {
    "id": LAYLA_ID,
    "externalId": "crm-7741",
    "name": "Layla A. Hassan",
    "email": "layla.new@example.com",
    "mobile": "+97333778899",
    "metadata": {"tier": "platinum"},
}
#: The writable customer fields, in wire names.
CUSTOMER_WRITABLE: Final = ("externalId", "name", "email", "mobile", "metadata")

#: By operation name; an operation missing here gets its summary as its success text.
OPERATIONS: Final[dict[str, OperationDoc]] = {
    "branches.list": OperationDoc(
        "Active branches.", links=links("branchId", "/data/0/id", "getBranchTree")
    ),
    "branches.tree": OperationDoc("Active groups with their active services."),
    "services.slots": OperationDoc(
        "Bookable slots of the day (empty: none left).",
        errors={
            "e422_notAppointment": _invalid(id="This service does not support appointment booking.")
        },
    ),
    "tickets.book": OperationDoc(
        "Booked: 'Ticket booked successfully.' for walk-ins, 'Appointment booked "
        "successfully.' for appointments.",
        links=links("id", "/data/id", "getTicket", "cancelTicket", "changeTicketTime"),
        examples={"appointment": BOOKED_APPOINTMENT},
        body={"walkIn": {"serviceId": "6fe8fb8b12", "groupOfServiceId": "7c1f9a3b2d"}},
    ),
    "tickets.get": OperationDoc("The ticket now.", examples={"walkIn": FETCHED_WALK_IN}),
    "tickets.cancel": OperationDoc(
        "The ticket in its cancelled state.",
        request_body={
            "required": False,
            "description": "No body, or an empty one; it is ignored.",
            "content": {"application/json": {"schema": {}}},
        },
    ),
    "tickets.reschedule": OperationDoc(
        "The ticket at its new time.",
        examples={"rescheduled": RESCHEDULED},
        errors={
            "e404_ticketNotFound": {"message": "Ticket not found.", "error": "Ticket not found."}
        },
        body={"byCustomerId": {"time": "2026-07-02T13:00:00.000Z", "customerId": LAYLA_ID}},
    ),
    "customers.create": OperationDoc(
        "Created.",
        links=links("id", "/data/_id", "getCustomer", "deleteCustomer", "listCustomerTickets"),
        examples={"created": CUSTOMER_CREATED},
        errors={"e422_taken": _invalid(externalId="This value is already taken.")},
        body={"layla": {k: CUSTOMER_EXAMPLE[k] for k in CUSTOMER_WRITABLE}},
    ),
    "customers.list": OperationDoc("A page of customers.", examples={"firstPage": CUSTOMERS_PAGE}),
    "customers.get": OperationDoc(
        "The customer.", errors={"e422_unknown": _invalid(id="This value does not exist.")}
    ),
    "customers.update": OperationDoc(
        "The updated customer.",
        errors={"e404_vanished": {"message": "Customer not found.", "error": None}},
        body={"layla": _LAYLA_UPDATE},
    ),
    "customers.delete": OperationDoc(
        "Deleted; data is null.",
        examples={"deleted": {"message": "Customer deleted successfully.", "data": None}},
    ),
    "customers.tickets": OperationDoc("A page of the customer's tickets."),
}

#: Error statuses: description and envelope schema.
ERRORS: Final = {
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


# -- response models: what their types do not say --------------------------------------------


@dataclass(frozen=True)
class ModelDoc:
    """A response model's schema beyond its fields' types: which fields the reference lists
    without "opt" (``required``), and each field's description and constraints."""

    required: tuple[str, ...]
    fields: Json = field(default_factory=dict)
    description: str | None = None
    examples: tuple[Json, ...] = ()


_LOCALIZED: Final = string("Localized per X-Locale.")
_COUNT: Final = {"type": "integer", "minimum": 0}
#: The writable customer fields' descriptions (shared by the model and the requests).
CUSTOMER_FIELDS: Final[Json] = {
    "externalId": string("Your own id for the person; unique within the company."),
    "name": string(),
    "email": string("Validation rules are not documented."),
    "mobile": string("E.164-like in the examples; normalisation is not documented."),
    "metadata": {"type": "object", "description": "Free-form key/value object."},
}

#: By model class name (the schema's name).
MODELS: Final[dict[str, ModelDoc]] = {
    "Branch": ModelDoc(
        ("id", "name", "branchStatus"),
        {
            "id": string("10 characters in the examples."),
            "name": _LOCALIZED,
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
        description="An active branch of the key's company.",
    ),
    "BranchTreeGroup": ModelDoc(
        ("id", "name", "services"),
        {"id": string("What groupOfServiceId refers to."), "name": _LOCALIZED},
        description="An active service group of a branch with its active services.",
    ),
    "Service": ModelDoc(
        ("id", "name", "isOpen", "isAppointment"),
        {
            "id": string("10-character alphanumeric."),
            "name": _LOCALIZED,
            "isOpen": {"type": "boolean", "description": "Open right now."},
            "isAppointment": {
                "type": "boolean",
                "description": "Takes appointments (list slots, then book with a time).",
            },
        },
    ),
    "Slot": ModelDoc(
        ("time", "remaining"),
        {"time": utc_time("Pass it back verbatim as the booking time."), "remaining": _COUNT},
    ),
    "Ticket": ModelDoc(
        (
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
        ),
        {
            "id": string("10 characters, lowercase alphanumeric."),
            "ticketNumber": string("Display number, e.g. A042 or Q017."),
            "status": string(
                "Open set: waiting, upcoming, serving, served, cancelled, and maybe others."
            ),
            "statusAt": utc_time("When the current status was entered."),
            "type": string("Open set: appointment, sequential (walk-in), ..."),
            "time": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Appointment time; null for walk-ins.",
            },
            "branch": named_ref("branch"),
            "service": named_ref("service"),
            "groupOfService": named_ref("service group"),
            "customer": {
                "type": ["object", "null"],
                "description": "The customer (32-hex id); null for an anonymous walk-in.",
                "required": ["id"],
                "properties": {"id": string(), "name": string()},
            },
            "bookedAt": utc_time("Booking time."),
            "queueSize": {
                **_COUNT,
                "description": "People ahead; only while the status is waiting.",
            },
            "waitingTime": {
                **_COUNT,
                "description": "Estimated wait in whole minutes; only while waiting.",
            },
        },
        examples=(TICKET_EXAMPLE,),
    ),
    "Customer": ModelDoc(
        ("_id", "companyId", "createdAt", "updatedAt"),
        {
            "_id": string("32-character hexadecimal, server-generated."),
            **CUSTOMER_FIELDS,
            "createdAt": utc_time("Server-set."),
            "updatedAt": utc_time("Server-set."),
        },
        description="Empty optional fields are not stored, so they may be absent.",
        examples=(CUSTOMER_EXAMPLE,),
    ),
    "Pagination": ModelDoc(
        ("total", "page", "limit", "totalPages", "hasNextPage", "hasPrevPage"),
        {
            "total": _COUNT,
            "page": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer", "minimum": 1},
            "totalPages": _COUNT,
        },
    ),
}


# -- request bodies and envelopes -------------------------------------------------------------

# Empty fields are not stored, and whether null or "" clears one is not documented: requests
# accept null for every writable field.
_WRITE_FIELDS: Final = {
    key: {**schema, "type": [schema["type"], "null"]} for key, schema in CUSTOMER_FIELDS.items()
}
_CUSTOMER_IDS: Final = {
    "customerId": string("32-hex customer id."),
    "customerExternalId": string("The customer's externalId."),
}
_ONE_CUSTOMER: Final = {
    "oneOf": [
        {"required": ["customerId"], "not": {"required": ["customerExternalId"]}},
        {"required": ["customerExternalId"], "not": {"required": ["customerId"]}},
    ]
}

REQUESTS: Final[Json] = {
    "CustomerWriteRequest": {
        "type": "object",
        "description": "Every field is optional; send externalId to make retries safe.",
        "properties": _WRITE_FIELDS,
    },
    "CustomerUpdateRequest": {
        "type": "object",
        "description": (
            "Partial update: only the fields sent change. The record is located by id "
            "(then an externalId is its new external id) or, without id, by externalId. "
            "metadata replaces the stored object."
        ),
        "properties": {"id": string("32-hex internal id."), **_WRITE_FIELDS},
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
            "serviceId": string("An active service of the company."),
            "groupOfServiceId": string("The service's group in the branch tree."),
            "time": request_time("A slot time; its presence makes an appointment."),
            **_CUSTOMER_IDS,
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
        "then": _ONE_CUSTOMER,
    },
    "ChangeTimeRequest": {
        "type": "object",
        "required": ["time"],
        "properties": {"time": request_time("The new appointment time."), **_CUSTOMER_IDS},
        **_ONE_CUSTOMER,
    },
}

_ERROR_FIELD: Final = {"type": ["string", "object", "null"]}

ENVELOPES: Final[Json] = {
    "SuccessEnvelope": {
        "type": "object",
        "required": ["message", "data"],
        "properties": {
            "message": string("Human-readable; may be localized. Do not branch on it."),
            "data": {"type": ["object", "array", "null"]},
        },
    },
    "PaginatedEnvelope": {
        "type": "object",
        "required": ["message", "data", "pagination"],
        "properties": {
            "message": string(),
            "data": {"type": "array"},
            "pagination": ref("Pagination"),
        },
    },
    "ErrorEnvelope": {
        "type": "object",
        "description": "error is a reason string, an object keyed by field, or null.",
        "required": ["error"],
        "properties": {"message": string(), "error": _ERROR_FIELD},
    },
    "ValidationErrorEnvelope": {
        "type": "object",
        "description": "422: error is keyed by the offending field or parameter name.",
        "required": ["error"],
        "properties": {
            "message": string(),
            "error": {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [{"type": "string"}, {"type": "array", "items": string()}]
                },
            },
        },
    },
    "AuthErrorEnvelope": {
        "type": "object",
        "description": "401: missing or invalid key, or a public key on a secret-only call.",
        "properties": {"message": string(), "error": _ERROR_FIELD},
    },
}
