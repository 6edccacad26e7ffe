"""The base every response model derives from, as the converter sees it.

Subclassing is the registration: the converter makes structure and unstructure hooks for any
attrs subclass of :class:`ModelBase` on first use. Kept apart from :mod:`.models` so that the
converter does not import the models that import it.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["ModelBase"]


class ModelBase:
    """A model the converter structures from (and unstructures to) the wire format."""

    __slots__ = ()

    #: The identifier's wire key (``Customer`` travels as ``_id``; the other spelling is
    #: accepted when the documented one is absent).
    _wire_id: ClassVar[str] = "id"
