"""The export's checkpoint: its own versioned JSON document, saved atomically beside the
partial output while the export runs and moved beside the target when it is complete (where
``since=`` reads it back). The nested paginator checkpoint is opaque here: it is handed back
to ``resume_from=``, and only its ``done`` and ``items_yielded`` are read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Final

import attrs
import orjson

from ._errors import CheckpointError, ExportFileError, ExportUsageError
from ._files import atomic_write
from ._job import MAX_LIMIT, ExportJob

KIND: Final = "skiplino-export"
VERSION: Final = 2
#: How many of the newest ids a complete export records, for the next ``since=`` delta: a
#: delta stops at the first of them it meets, so deleting a few of them does not matter.
NEWEST_KEPT: Final = 20


@attrs.define
class Document:
    """The state of one export, as saved."""

    kind: str
    format: str
    customer_id: str | None
    external_id: str | None
    limit: int | None
    target: str
    rows: int = 0
    done: bool = False
    writer: dict[str, Any] | None = None
    paginator: dict[str, Any] | None = None
    #: The newest ids of the export this one is a delta of.
    since: list[str] | None = None
    #: The first ids this export wrote (newest first), up to :data:`NEWEST_KEPT`.
    newest_ids: list[str] = attrs.field(factory=list)
    #: Once done: the file or directory (beside the partial) to publish as the target.
    publish: str | None = None
    stats: dict[str, Any] | None = None

    @classmethod
    def fresh(cls, job: ExportJob, since: list[str] | None) -> Document:
        return cls(
            kind=job.kind,
            format=job.format,
            customer_id=job.customer_id,
            external_id=job.external_id,
            limit=job.limit,
            target=Path(job.path).name,
            since=since,
        )

    def save(self, path: Path) -> None:
        fields = attrs.asdict(self, recurse=False)
        fields["what"] = fields.pop("kind")
        record = {"kind": KIND, "version": VERSION, **fields, "saved_at": time.time()}
        atomic_write(path, orjson.dumps(record, option=orjson.OPT_INDENT_2))

    def finished(self) -> Document:
        """The marker of this complete export: no writer or walk position, and as its newest
        ids those the next delta stops at (about 1 KB)."""
        return attrs.evolve(
            self,
            writer=None,
            paginator=None,
            stats=None,
            publish=None,
            since=None,
            newest_ids=self.next_anchor(),
        )

    def next_anchor(self) -> list[str]:
        """The ids the next delta stops at: this export's newest, then its own anchor's."""
        ids = list(self.newest_ids)
        ids.extend(i for i in self.since or () if i not in ids)
        return ids[:NEWEST_KEPT]


def load(path: Path) -> Document | None:
    """The document at ``path``, validated field by field; ``None`` if there is none."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    origin = str(path)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CheckpointError(origin, "(document)", f"is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise CheckpointError(origin, "kind", f"must be {KIND!r}: this is not an export checkpoint")
    version = data.get("version")
    if version == 1:
        raise ExportFileError(
            f"{origin} was written by an older skiplino-async (checkpoint version 1) and "
            "cannot be resumed: run the export again without --resume"
        )
    if version != VERSION:
        raise CheckpointError(origin, "version", f"must be {VERSION}, got {version!r}")
    return Document(
        kind=_choice(data, "what", tuple(MAX_LIMIT), origin),
        format=_typed(data, "format", str, origin),
        customer_id=_optional(data, "customer_id", str, origin),
        external_id=_optional(data, "external_id", str, origin),
        limit=_optional(data, "limit", int, origin),
        target=_typed(data, "target", str, origin),
        rows=_count(data, "rows", origin),
        done=_typed(data, "done", bool, origin),
        writer=_optional(data, "writer", dict, origin),
        paginator=_optional(data, "paginator", dict, origin),
        since=_ids(data, "since", origin, optional=True),
        newest_ids=_ids(data, "newest_ids", origin, optional=False) or [],
        publish=_optional(data, "publish", str, origin),
        stats=_optional(data, "stats", dict, origin),
    )


def check_matches(doc: Document, job: ExportJob, since: list[str] | None, origin: Path) -> None:
    """Refuse to resume a checkpoint of another export (other list, format or customer)."""
    expected: dict[str, Any] = {
        "what": (doc.kind, job.kind),
        "format": (doc.format, job.format),
        "customer_id": (doc.customer_id, job.customer_id),
        "external_id": (doc.external_id, job.external_id),
    }
    if job.limit is not None:
        expected["limit"] = (doc.limit or MAX_LIMIT[doc.kind], job.limit)
    for name, (saved, wanted) in expected.items():
        if saved != wanted:
            raise ExportUsageError(
                f"cannot resume: {origin.name} is an export with {name}={saved!r}, not {wanted!r}"
            )
    if since is not None and doc.since != since:
        raise ExportUsageError(
            f"cannot resume: {origin.name} is a delta of another export than the one given"
        )
    if doc.paginator is not None and not doc.done:
        yielded = doc.paginator.get("items_yielded")
        if yielded != doc.rows:
            # The position would be past (or before) the rows on disk: rows lost or repeated.
            raise CheckpointError(
                str(origin),
                "rows",
                f"is {doc.rows} but the paginator position is after {yielded!r} rows",
            )
    if doc.paginator is None and doc.rows != 0 and not doc.done:
        raise CheckpointError(str(origin), "paginator", "is missing although rows were written")


def _typed(data: dict[str, Any], key: str, kind: type[Any], origin: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CheckpointError(origin, key, f"must be of type {kind.__name__}, got {value!r}")
    return value


def _optional(data: dict[str, Any], key: str, kind: type[Any], origin: str) -> Any:
    return None if data.get(key) is None else _typed(data, key, kind, origin)


def _count(data: dict[str, Any], key: str, origin: str) -> int:
    value: int = _typed(data, key, int, origin)
    if value < 0:
        raise CheckpointError(origin, key, f"must be >= 0, got {value}")
    return value


def _choice(data: dict[str, Any], key: str, choices: tuple[str, ...], origin: str) -> Any:
    value = data.get(key)
    if value not in choices:
        raise CheckpointError(origin, key, f"must be one of {choices}, got {value!r}")
    return value


def _ids(data: dict[str, Any], key: str, origin: str, *, optional: bool) -> list[str] | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CheckpointError(origin, key, f"must be a list of ids, got {value!r}")
    return list(value)
