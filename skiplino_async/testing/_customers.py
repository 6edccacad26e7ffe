"""The fake company's customer directory: newest-first list order, lookups by id and external
id, and seed customers generated on demand (only records written to are stored)."""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from ._records import CustomerRecord
from ._rules import ALREADY_TAKEN, InvalidField
from ._seed import SeedCustomers

_CUSTOMER_FIELDS: Final = frozenset({"external_id", "name", "email", "mobile", "metadata"})


class CustomerStore:
    """Customers: a sequence number per insertion; seed customer ``i`` has sequence ``i``.

    ``now`` gives the time of creations and updates.
    """

    def __init__(self, count: int, seed: int, company_id: str, now: Callable[[], datetime]) -> None:
        self.company_id = company_id
        self._now = now
        self._seed_customers = SeedCustomers(count, seed)
        self._next_seq = count
        self._records: dict[int, CustomerRecord] = {}
        self._seq_by_id: dict[str, int] = {}
        self._seq_by_external_id: dict[str, int] = {}
        self._deleted: list[int] = []  # sorted, for O(log n) rank queries
        self._deleted_set: set[int] = set()
        self._customer_rng = random.Random(f"customers:{seed}")

    @property
    def customer_count(self) -> int:
        """Number of customers currently stored."""
        return self._next_seq - len(self._deleted)

    def _live(self, seq: int) -> bool:
        return seq not in self._deleted_set

    def _record(self, seq: int) -> CustomerRecord:
        stored = self._records.get(seq)
        return stored if stored is not None else self._seed_customers.generate(seq)

    def _seq_of_id(self, customer_id: str) -> int | None:
        return self._seq_of(customer_id, self._seq_by_id, self._seed_customers.index_of_id)

    def _seq_of_external_id(self, external_id: str) -> int | None:
        return self._seq_of(
            external_id, self._seq_by_external_id, self._seed_customers.index_of_external_id
        )

    def _seq_of(
        self, key: str, stored: dict[str, int], seed_index: Callable[[str], int | None]
    ) -> int | None:
        seq = stored.get(key)
        if seq is not None:
            return seq
        # A seed customer never written to: decode its index from the key.
        seq = seed_index(key)
        if seq is None or seq in self._records or not self._live(seq):
            return None
        return seq

    def get_customer(
        self, id: str | None = None, external_id: str | None = None
    ) -> CustomerRecord | None:
        """The customer with ``id`` (which wins) or ``external_id``, or ``None``."""
        if id:
            seq = self._seq_of_id(id)
        elif external_id:
            seq = self._seq_of_external_id(external_id)
        else:
            return None
        return None if seq is None else self._record(seq)

    def _unindex(self, seq: int) -> None:
        stored = self._records.pop(seq, None)
        if stored is not None:
            del self._seq_by_id[stored.id]
            if stored.external_id is not None:
                del self._seq_by_external_id[stored.external_id]

    def _store(self, record: CustomerRecord) -> None:
        self._records[record.seq] = record
        self._seq_by_id[record.id] = record.seq
        if record.external_id is not None:
            self._seq_by_external_id[record.external_id] = record.seq

    def add_customer(
        self,
        *,
        external_id: str | None = None,
        name: str | None = None,
        email: str | None = None,
        mobile: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> CustomerRecord:
        """Insert a customer as the newest one (it becomes the first item of page 1).

        Raises :class:`InvalidField` when ``external_id`` is already taken.
        """
        if external_id and self._seq_of_external_id(external_id) is not None:
            raise InvalidField("externalId", ALREADY_TAKEN)
        customer_id = f"{self._customer_rng.getrandbits(128):032x}"
        while self._seq_of_id(customer_id) is not None:
            customer_id = f"{self._customer_rng.getrandbits(128):032x}"
        now = self._now()
        record = CustomerRecord(
            id=customer_id,
            company_id=self.company_id,
            created_at=now,
            updated_at=now,
            external_id=external_id or None,
            name=name or None,
            email=email or None,
            mobile=mobile or None,
            metadata=dict(metadata) if metadata else None,
            seq=self._next_seq,
        )
        self._next_seq += 1
        self._store(record)
        return record

    def update_customer(self, customer_id: str, **changes: Any) -> CustomerRecord:
        """Change the given fields (``external_id``, ``name``, ``email``, ``mobile``,
        ``metadata``) of a customer; ``None`` or empty removes a field. Bumps ``updated_at``.

        Raises :class:`KeyError` for an unknown customer and :class:`InvalidField` when the new
        ``external_id`` belongs to another customer.
        """
        unknown = set(changes) - _CUSTOMER_FIELDS
        if unknown:
            raise TypeError(f"unknown customer fields: {sorted(unknown)}")
        seq = self._seq_of_id(customer_id)
        if seq is None:
            raise KeyError(customer_id)
        new_external_id = changes.get("external_id")
        if new_external_id:
            owner = self._seq_of_external_id(new_external_id)
            if owner is not None and owner != seq:
                raise InvalidField("externalId", ALREADY_TAKEN)
        record = self._record(seq)
        self._unindex(seq)  # before the external id changes
        for field, value in changes.items():
            if field == "metadata":
                value = dict(value) if value else None
            setattr(record, field, value if value not in ("", None) else None)
        record.updated_at = self._now()
        self._store(record)
        return record

    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer (its tickets stay); ``False`` if there was no such customer.

        Every later customer moves one place up in the newest-first list.
        """
        seq = self._seq_of_id(customer_id)
        if seq is None:
            return False
        self._unindex(seq)
        insort(self._deleted, seq)
        self._deleted_set.add(seq)
        return True

    def _seq_at(self, position: int) -> int:
        """The sequence number at ``position`` (0 = newest) of the live list; O(log^2 n)."""
        top = self._next_seq
        deleted = self._deleted
        if not deleted:
            return top - 1 - position

        def live_from(seq: int) -> int:  # live customers with sequence number >= seq
            return (top - seq) - (len(deleted) - bisect_left(deleted, seq))

        # The largest seq with at least position + 1 live customers at or above it is live
        # and has exactly ``position`` live customers above it.
        lo, hi = 0, top - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if live_from(mid) > position:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def customers_page(self, offset: int, limit: int) -> list[CustomerRecord]:
        """Up to ``limit`` customers, newest first, skipping ``offset``; O(limit)."""
        if offset >= self.customer_count or limit <= 0:
            return []
        page: list[CustomerRecord] = []
        seq = self._seq_at(offset)
        while seq >= 0 and len(page) < limit:
            if self._live(seq):
                page.append(self._record(seq))
            seq -= 1
        return page

    def iter_customers(self) -> Iterator[CustomerRecord]:
        """All customers, newest first, generated lazily."""
        for seq in range(self._next_seq - 1, -1, -1):
            if self._live(seq):
                yield self._record(seq)
