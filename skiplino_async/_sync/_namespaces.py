# Generated from the table of operations and the async namespaces; do not edit.
# Change the table or an async namespace, then run `python -m skiplino_async._sync._generate`.
"""The blocking namespaces: one typed line per async method (generated)."""

from __future__ import annotations

from ..resources.branches import Branches
from ..resources.customers import Customers
from ..resources.services import Services
from ..resources.tickets import Tickets
from ._mirror import SyncResource, mirror

__all__ = [
    "SyncBranches",
    "SyncCustomers",
    "SyncServices",
    "SyncTickets",
]


class SyncBranches(SyncResource, mirrors=Branches):
    __doc__ = Branches.__doc__
    __slots__ = ()
    list = mirror(Branches.list)
    tree = mirror(Branches.tree)


class SyncServices(SyncResource, mirrors=Services):
    __doc__ = Services.__doc__
    __slots__ = ()
    slots = mirror(Services.slots)


class SyncTickets(SyncResource, mirrors=Tickets):
    __doc__ = Tickets.__doc__
    __slots__ = ()
    book = mirror(Tickets.book)
    get = mirror(Tickets.get)
    cancel = mirror(Tickets.cancel)
    reschedule = mirror(Tickets.reschedule)
    book_appointment = mirror(Tickets.book_appointment)
    book_walk_in = mirror(Tickets.book_walk_in)
    watch = mirror(Tickets.watch)


class SyncCustomers(SyncResource, mirrors=Customers):
    __doc__ = Customers.__doc__
    __slots__ = ()
    create = mirror(Customers.create)
    list = mirror(Customers.list)
    get = mirror(Customers.get)
    update = mirror(Customers.update)
    delete = mirror(Customers.delete)
    tickets = mirror(Customers.tickets)
    get_or_create = mirror(Customers.get_or_create)
