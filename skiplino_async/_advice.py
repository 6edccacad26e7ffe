"""Error messages that name the caller's own arguments, built from typed parts.

An :class:`Advice` is a message template whose placeholders are arguments: a :class:`Mention`
(the argument is what the message is about: ``base_url``) or an :class:`Instruction` (how to
set it: ``pass allow_insecure_http=True``). The SDK renders it for Python callers
(:func:`in_code`); the command line renders the same advice with its own flag names, so no
one rewrites message text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["Advice", "AdvisedValueError", "Instruction", "Mention", "in_code", "literal"]


@attrs.frozen
class Mention:
    """An argument named in a message (``base_url``)."""

    name: str


@attrs.frozen
class Instruction:
    """Set argument ``name`` (to ``value``: ``...`` for "some value"), or ``env`` instead."""

    name: str
    value: object = ...
    env: str | None = None


Part = Mention | Instruction
#: How a caller names and sets an argument: the SDK's ``pass x=...``, the CLI's ``give --x``.
Voice = Callable[[Part], str]


@attrs.frozen
class Advice:
    """A message: ``template`` with ``{placeholders}`` for ``parts``."""

    template: str
    parts: Mapping[str, Part] = attrs.field(factory=dict)

    def render(self, voice: Voice) -> str:
        """The message, each part said in ``voice``."""
        return self.template.format(**{key: voice(part) for key, part in self.parts.items()})


def literal(value: object) -> str:
    """``repr(value)`` for a template: its braces stay text."""
    return repr(value).replace("{", "{{").replace("}", "}}")


def in_code(part: Part) -> str:
    """Arguments as Python callers write them."""
    if isinstance(part, Mention):
        return part.name
    value = "..." if part.value is ... else repr(part.value)
    text = f"pass {part.name}={value}"
    return f"{text} or set the {part.env} environment variable" if part.env else text


class AdvisedValueError(ValueError):
    """A bad argument; ``advice`` says which, and what to do, in typed parts."""

    def __init__(self, advice: Advice) -> None:
        super().__init__(advice.render(in_code))
        self.advice = advice

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.advice,))
