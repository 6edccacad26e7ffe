"""The writers' checkpointed state: an attrs class per format, the one place where a field of
it is declared (type, rule, default). :meth:`Writer.commit` saves it as a dict
(:func:`saved`); a resume loads it back field by field (:func:`load_state`), through the
project's detailed validation, a bad field named ``writer.<field>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import attrs
from attrs import AttrsInstance

from ..._saved import MISSING, BadField, at_least, load
from .._errors import CheckpointError

__all__ = ["ByteState", "CsvState", "ParquetState", "load_state", "saved"]

S = TypeVar("S", bound=AttrsInstance)


@attrs.define
class ByteState:
    """A line-based file (JSONL, CSV): its size; a resume cuts the file back to it."""

    bytes: Annotated[int, at_least(0)]


@attrs.define
class CsvState(ByteState):
    """A CSV file: its size, its columns, and the header row it was written with (which
    lacks the columns a flattening export met after writing it)."""

    columns: list[str]
    header: list[str]
    #: Checkpoints from before the fixed layout were all of flattening exports.
    flatten: bool = True


@attrs.define
class ParquetState:
    """A Parquet directory: its complete part files, in order, and the rows they hold."""

    parts: list[str]
    rows: Annotated[int, at_least(0)]


def saved(state: ByteState | ParquetState) -> dict[str, Any]:
    """The state as the checkpoint records it."""
    return attrs.asdict(state)


def load_state(state: Mapping[str, Any], cls: type[S], origin: str) -> S:
    """The checkpoint's ``state`` as ``cls``; a :class:`CheckpointError` naming its first bad
    field (``writer.bytes``). A field with a default may be absent; any other is refused."""
    present = {
        f.name: state.get(f.name, MISSING)
        for f in attrs.fields(cls)
        if f.name in state or f.default is attrs.NOTHING
    }
    try:
        return load(present, cls)
    except BadField as exc:
        raise CheckpointError(origin, f"writer.{exc.path}", exc.problem) from None
