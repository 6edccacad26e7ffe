"""Every public name of the package is documented, down to the methods users call."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

import skiplino_async as sk
from skiplino_async.resources.branches import Branches
from skiplino_async.resources.customers import Customers
from skiplino_async.resources.services import Services
from skiplino_async.resources.tickets import Tickets
from skiplino_async.testing import pytest_plugin

NAMESPACES = (Branches, Services, Tickets, Customers)


def _documented(obj: object) -> bool:
    return bool((inspect.getdoc(obj) or "").strip())


def _public_members(cls: type) -> Iterator[tuple[str, object]]:
    """Methods and properties a user can reach on ``cls``, the SDK's own only (not object's,
    Exception's or those attrs generates)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("skiplino_async"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            if inspect.isfunction(value) or isinstance(value, property):
                yield name, value


@pytest.mark.parametrize("name", [n for n in sk.__all__ if n != "__version__"])
def test_every_public_name_has_a_docstring(name: str) -> None:
    obj = getattr(sk, name)
    if not inspect.isclass(obj) and not callable(obj):
        obj = type(obj)  # a constant such as NOT_GIVEN: its type documents it
    assert _documented(obj), f"skiplino_async.{name} has no docstring"


def test_version_is_a_version_string() -> None:
    assert sk.__version__.count(".") >= 2


@pytest.mark.parametrize(
    "cls",
    [
        *(getattr(sk, n) for n in sk.__all__ if inspect.isclass(getattr(sk, n))),
        *NAMESPACES,
    ],
    ids=lambda cls: cls.__name__,
)
def test_every_public_method_and_property_has_a_docstring(cls: type) -> None:
    missing = [name for name, member in _public_members(cls) if not _documented(member)]
    assert missing == [], f"{cls.__name__}: undocumented {missing}"


def test_namespaces_are_the_ones_the_client_exposes() -> None:
    client = sk.Skiplino(api_key="sk_test_docs")
    assert [type(getattr(client, n)) for n in ("branches", "services", "tickets", "customers")] == [
        *NAMESPACES
    ]


def test_the_pytest_fixtures_are_documented() -> None:
    for name in pytest_plugin.__all__:
        assert _documented(getattr(pytest_plugin, name)), name
    assert _documented(pytest_plugin)


@pytest.mark.parametrize("cls", [sk.Skiplino, sk.SyncSkiplino])
def test_the_api_reference_shows_each_clients_members_as_its_own(cls: type) -> None:
    """pdoc leaves out what a class inherits from a private one: the members both clients
    share must still be listed on each."""
    doc = pytest.importorskip("pdoc.doc")
    where = (cls.__module__, cls.__qualname__)
    own = {member.name for member in doc.Class(*where, cls, where).own_members}
    expected = {"base_url", "locale", "max_retries", "timeout", "with_options", "request"}
    assert expected | {"branches", "services", "tickets", "customers"} <= own
