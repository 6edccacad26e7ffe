"""The blocking namespaces' typed lines are generated from the table of operations and the
async namespaces; the committed module is what the generator writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from skiplino_async._operations import OPERATIONS, Operation
from skiplino_async._sync import _generate
from skiplino_async._sync._generate import COMMAND, TARGET, methods, render
from skiplino_async.models import Customer, Ticket
from skiplino_async.resources._base import Resource


def test_the_committed_module_is_what_the_generator_writes() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), f"out of date: run {COMMAND}"


class Things(Resource):
    """A namespace of a client that is not the SDK's."""

    async def get(self, thing_id: str) -> Ticket:
        raise NotImplementedError

    async def find(self, name: str) -> Ticket:
        raise NotImplementedError

    async def merge(self, into: str) -> Customer:
        raise NotImplementedError


class Client:
    things: Things


GET: Operation[Ticket] = Operation("things.get", "getThing", "GET", "/things/{id}", "", Ticket)
MERGE: Operation[Customer] = Operation(
    "things.merge", "mergeThings", "POST", "/things/merge", "", Customer
)


def test_a_row_of_the_table_is_a_typed_line_and_the_other_methods_follow() -> None:
    assert methods("things", Things, [MERGE, GET]) == ["merge", "get", "find"]
    text = render(Client, [GET, MERGE])
    assert "class SyncThings(SyncResource, mirrors=Things):\n" in text
    assert "    merge = mirror(Things.merge)\n    find = mirror(Things.find)\n" in text
    assert text.startswith("# Generated from the table of operations")


def test_a_row_without_its_method_is_refused() -> None:
    gone: Operation[Ticket] = Operation("things.gone", "goneThing", "GET", "/gone", "", Ticket)
    with pytest.raises(LookupError, match=r"things\.gone has no method Things\.gone"):
        render(Client, [GET, gone])
    with pytest.raises(LookupError, match="namespace 'branches' is not one of the client's"):
        render(Client, OPERATIONS)


def test_the_command_writes_the_module_and_check_says_when_it_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "_namespaces.py"
    target.write_text("# stale\n", encoding="utf-8")
    assert _generate.main(["--check"], target) == 1
    assert COMMAND in capsys.readouterr().err
    assert _generate.main([], target) == 0
    assert target.read_text(encoding="utf-8") == render()
    assert _generate.main(["--check"], target) == 0
