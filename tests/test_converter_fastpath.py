"""The generated structure hooks: per-page unknown-key check, lists, aliases, independence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from skiplino_async import (
    APIResponseValidationError,
    BranchTreeGroup,
    Customer,
    Pagination,
    Ticket,
)
from skiplino_async._converter import structure


def _customer(i: int, **more: Any) -> dict[str, Any]:
    return {
        "_id": f"{i:032x}",
        "name": f"Customer {i}",
        "createdAt": "2026-06-23T11:00:00.000Z",
        "updatedAt": "2026-06-23T14:00:00+03:00",
        **more,
    }


def test_only_the_record_with_unknown_keys_gets_extra() -> None:
    page = [_customer(0), _customer(1, loyalty={"points": 3}, tags=["a"]), _customer(2)]
    got = structure(page, list[Customer])
    assert [c.extra for c in got] == [{}, {"loyalty": {"points": 3}, "tags": ["a"]}, {}]
    assert [c.id for c in got] == [f"{i:032x}" for i in range(3)]


def test_each_record_has_its_own_extra_dict() -> None:
    first, second = structure([_customer(0), _customer(1)], list[Customer])
    first.extra["note"] = "mine"
    assert second.extra == {}


def test_list_items_are_converted_like_single_objects() -> None:
    page = [_customer(0, externalId="crm-1", metadata={"tier": "gold"}), _customer(1)]
    assert structure(page, list[Customer]) == [structure(item, Customer) for item in page]
    assert structure(page, list[Customer])[0].updated_at == datetime(2026, 6, 23, 11, tzinfo=UTC)


@pytest.mark.parametrize("data", [{}, {"_id": "x"}, "abc", None, 3])
def test_a_list_must_be_an_array(data: Any) -> None:
    with pytest.raises(APIResponseValidationError, match="expected an array"):
        structure(data, list[Customer])


@pytest.mark.parametrize("services", [{}, {"id": "s"}, "abc", None])
def test_nested_list_must_be_an_array(services: Any) -> None:
    with pytest.raises(
        APIResponseValidationError, match=r"expected an array, got \w+ @ data.services"
    ):
        BranchTreeGroup.from_dict({"id": "g", "services": services})


def test_a_bad_record_anywhere_in_a_page_is_located() -> None:
    page = [_customer(i) for i in range(5)]
    page[3]["email"] = ["not", "a", "string"]
    with pytest.raises(
        APIResponseValidationError, match=r"expected a string, got list @ data\[3\].email"
    ):
        structure(page, list[Customer])


def test_non_object_record_in_a_page() -> None:
    with pytest.raises(APIResponseValidationError, match=r"expected an object .*data\[1\]"):
        structure([_customer(0), 7], list[Customer])


def test_id_spellings() -> None:
    assert Customer.from_dict({"id": "a"}).id == "a"
    both = Customer.from_dict({"_id": "a", "id": "b"})
    assert (both.id, both.extra) == ("a", {})


def test_underscore_id_on_a_model_without_id_is_kept() -> None:
    pagination = Pagination.from_dict({"total": 1, "_id": "p"})
    assert pagination.extra == {"_id": "p"}
    assert pagination.to_dict() == {"_id": "p", "total": 1}


def test_errors_name_the_json_keys_not_python_attributes() -> None:
    ticket = {"id": "k7m2p9x4q1", "statusAt": "yesterday", "groupOfService": {"id": 7}}
    with pytest.raises(APIResponseValidationError) as info:
        structure(ticket, Ticket)
    assert "@ data.statusAt" in info.value.message
    assert "@ data.groupOfService.id" in info.value.message
    assert "status_at" not in info.value.message


def test_a_missing_customer_id_is_named_by_its_json_key() -> None:
    with pytest.raises(APIResponseValidationError) as info:
        structure([_customer(0), {"name": "no id"}], list[Customer])
    assert "required field missing @ data[1]._id" in info.value.message


def test_only_the_first_failing_items_are_explained() -> None:
    page = [_customer(i) for i in range(50)]
    for i in (4, 9, 11, 30, 49):
        del page[i]["_id"]
    with pytest.raises(APIResponseValidationError) as info:
        structure(page, list[Customer])
    message = info.value.message
    assert [f"data[{i}]._id" in message for i in (4, 9, 11, 30, 49)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert message.endswith("more items of data fail (not shown)")


def test_a_nested_array_is_explained_item_by_item_too() -> None:
    group = {"id": "g", "services": [{"name": f"s{i}"} for i in range(10_000)]}
    with pytest.raises(APIResponseValidationError) as info:
        BranchTreeGroup.from_dict(group)
    message = info.value.message
    assert "required field missing @ data.services[2].id" in message
    assert "services[3]" not in message
    assert len(message) < 400


def test_the_explanation_is_capped() -> None:
    # Every field of every ticket is wrong: 3 tickets explained, 13 notes each.
    wrong = {"id": 1, "ticketNumber": 2, "status": 3, "statusAt": "x" * 5000, "type": 4}
    wrong |= {"time": 5, "branch": 6, "service": 7, "groupOfService": 8, "customer": 9}
    wrong |= {"bookedAt": 10, "queueSize": "a", "waitingTime": "b"}
    with pytest.raises(APIResponseValidationError) as info:
        structure([wrong] * 3, list[Ticket])
    message = info.value.message
    assert len(message) <= 1100
    assert "@ data[0].ticketNumber" in message
    assert message.endswith("... (cut off)")
