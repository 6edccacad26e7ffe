"""Blocking mirrors of the async namespaces, derived from their methods.

``get = mirror(Customers.get)`` in a :class:`SyncResource` is a method with the async one's
parameters, docstring and signature that runs it on the client's loop: a coroutine's result is
returned, an :class:`AsyncPaginator` becomes a :class:`SyncPaginator`, an async iterator a
plain one. The one line per method is for type checkers (Python's types cannot map a
class's methods); those lines are generated into :mod:`._namespaces` from the table of
operations by :mod:`._generate`. At runtime a namespace mirrors every public method of its
async class even without its line, and a test fails until the lines are generated again.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import (
    Any,
    ClassVar,
    Concatenate,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    cast,
    overload,
)

from ..pagination import AsyncPaginator
from ._loop import LoopThread
from ._paginator import SyncPaginator, iterate

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
T = TypeVar("T")

__all__ = ["SyncResource", "mirror", "public_methods"]


class Method(Protocol[P, R_co]):
    """What a mirrored method looks like to a type checker: a method taking ``P``."""

    @overload
    def __get__(self, instance: None, owner: type, /) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None, /) -> Callable[P, R_co]: ...


@overload
def mirror(
    method: Callable[Concatenate[Any, P], AsyncPaginator[T]],
) -> Method[P, SyncPaginator[T]]: ...
@overload
def mirror(method: Callable[Concatenate[Any, P], AsyncIterator[T]]) -> Method[P, Iterator[T]]: ...
@overload
def mirror(method: Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]) -> Method[P, R]: ...
def mirror(method: Callable[..., Any]) -> Method[..., Any]:
    """The blocking counterpart of an async namespace's method (see the module docstring)."""
    name = method.__name__

    def blocking(self: SyncResource, /, *args: Any, **kwargs: Any) -> Any:
        return self._runner.run_sync(getattr(self._target, name), args, kwargs)

    functools.update_wrapper(blocking, method)
    # help() and pdoc show the signature below, not the async one's.
    blocking.__dict__.pop("__wrapped__")
    blocking.__signature__ = _blocking_signature(method)  # type: ignore[attr-defined]
    return cast("Method[..., Any]", blocking)


def _blocking_signature(method: Callable[..., Any]) -> inspect.Signature:
    signature = inspect.signature(method)
    returns = signature.return_annotation
    if isinstance(returns, str):  # postponed annotations: rename the async wrappers
        returns = returns.replace("AsyncPaginator[", "SyncPaginator[")
        returns = re.sub(r"AsyncGenerator\[(.*), None\]", r"Iterator[\1]", returns)
    return signature.replace(return_annotation=returns)


async def call_on_loop(method: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Call ``method`` on the loop; await a coroutine's result, hand back anything else."""
    result = method(*args, **kwargs)
    if inspect.iscoroutine(result):
        return await result
    return result


def to_blocking(result: Any, runner: LoopThread) -> Any:
    """A result as the blocking caller gets it: walks become plain iterators."""
    if isinstance(result, AsyncPaginator):
        return SyncPaginator(result, runner)
    if isinstance(result, AsyncIterator):
        return iterate(runner, result)
    return result


def public_methods(cls: type) -> list[str]:
    """The names of ``cls``'s public methods (an async namespace's operations)."""
    return [
        name
        for name, value in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]


class SyncResource:
    """Base of the blocking namespaces (``client.tickets`` of a ``SyncSkiplino``).

    A subclass names the async namespace it mirrors: ``class SyncTickets(SyncResource,
    mirrors=Tickets)``.
    """

    __slots__ = ("_runner", "_target")

    mirrors: ClassVar[type]
    #: The blocking namespace class of each async namespace class.
    registry: ClassVar[dict[type, type[SyncResource]]] = {}

    def __init_subclass__(cls, *, mirrors: type, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.mirrors = mirrors
        SyncResource.registry[mirrors] = cls
        for name in public_methods(mirrors):
            if name not in cls.__dict__:
                auto: Any = mirror(getattr(mirrors, name))
                auto.undeclared = True  # works, but type checkers do not see it
                setattr(cls, name, auto)

    def __init__(self, target: object, runner: Runner) -> None:
        self._target = target
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._target!r}>"


class Runner(LoopThread):
    """The loop thread plus the one step every mirrored method takes."""

    def run_sync(self, method: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        return to_blocking(self.run(call_on_loop(method, args, kwargs)), self)


def mirror_namespace(target: object) -> type[SyncResource]:
    """The blocking class of an async namespace (made on the fly for one without a class)."""
    cls = type(target)
    found = SyncResource.registry.get(cls)
    if found is None:
        found = type(f"Sync{cls.__name__}", (SyncResource,), {"__slots__": ()}, mirrors=cls)
    return found
