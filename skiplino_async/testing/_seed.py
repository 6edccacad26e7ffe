"""Deterministic seed data: the branch/service catalogue, API keys and seed customers.

Seed customers are never materialised in bulk: customer ``i`` is computed from ``(seed, i)`` on
demand and its id encodes ``i`` reversibly, so a million customers cost no memory and no start-up
time, and any page can be produced in O(limit).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import Any, Final

import attrs

from .._wirefields import WireField, wire_fields
from ..models import Customer
from ._records import BranchRecord, CustomerRecord, GroupRecord, ServiceRecord

COMPANY_ID = "cmp_5f3a91"

#: The documentation's example customer; it is the newest seed customer (first on page 1).
_LAYLA_CREATED = datetime(2026, 6, 23, 11, 0, tzinfo=UTC)
LAYLA = CustomerRecord(
    id="9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b",
    company_id=COMPANY_ID,
    created_at=_LAYLA_CREATED,
    updated_at=_LAYLA_CREATED,
    external_id="crm-7741",
    name="Layla Hassan",
    email="layla.hassan@example.com",
    mobile="+97333445566",
    metadata={"tier": "gold", "source": "mobile-app"},
)

#: Seed customer ``i`` was created this long before customer ``i + 1``.
_CREATED_STEP = timedelta(minutes=1)

_FIRST_NAMES = (
    "Ahmed", "Fatima", "Mohammed", "Maryam", "Ali", "Noora", "Hassan", "Zainab", "Yusuf", "Aisha",
    "Omar", "Huda", "Khalid", "Sara", "Ebrahim", "Reem", "Jassim", "Latifa", "Salman", "Dana",
)  # fmt: skip
_LAST_NAMES = (
    "Al Khalifa", "Haddad", "Mansoor", "Al Sayed", "Abdulla", "Jaber", "Nasser", "Al Ansari",
    "Saleh", "Karim", "Fakhro", "Kanoo", "Al Zayani", "Buali", "Rashid", "Matar", "Hamad", "Isa",
    "Yousif", "Qassim",
)  # fmt: skip
_TIERS = ("standard", "silver", "gold", "platinum")

_MASK64 = (1 << 64) - 1
_MULT = 0x9E3779B97F4A7C15  # odd, hence invertible modulo 2**64
_MULT_INV = pow(_MULT, -1, 1 << 64)
_HEX32 = re.compile(r"[0-9a-f]{32}")
_SEED_EXTERNAL_ID = re.compile(r"ext-(\d{7,})")


def _fake_value(field: WireField) -> Callable[[CustomerRecord, int], Any]:
    """How a seed customer gets a value for a model field :meth:`SeedCustomers.generate` does
    not set by name: one from the field's type, absent for a customer in four."""
    salt = blake2b(field.wire.encode(), digest_size=8).digest()
    makers: dict[Any, Callable[[CustomerRecord, int], Any]] = {
        str: lambda record, h: f"{field.wire}-{h % 7}",
        int: lambda record, h: h % 1000,
        bool: lambda record, h: bool(h & 1),
        datetime: lambda record, h: record.created_at,
        dict[str, Any]: lambda record, h: {"n": h % 10},
    }
    if field.type not in makers:
        raise TypeError(f"the fake has no seed value for Customer.{field.attr}: {field.type}")
    make = makers[field.type]

    def fake(record: CustomerRecord, mix: int) -> Any:
        h = int.from_bytes(blake2b(mix.to_bytes(8, "big"), digest_size=8, key=salt).digest())
        return None if h % 4 == 0 else make(record, h >> 2)

    return fake


#: The fields :meth:`SeedCustomers.generate` sets by name; any other field of the model (one
#: added to it later) gets a value from :func:`_fake_value`.
_NAMED: Final = frozenset((
    "id", "company_id", "created_at", "updated_at", "external_id", "name", "email", "mobile",
    "metadata",
))  # fmt: skip
_OTHER_FIELDS: Final = tuple(
    (f.attr, _fake_value(f)) for f in wire_fields(Customer) if f.attr not in _NAMED
)


def api_keys(seed: int) -> tuple[str, str]:
    """The deterministic ``(secret_key, public_key)`` pair for ``seed``."""
    rng = random.Random(f"keys:{seed}")
    return f"sk_test_{rng.getrandbits(96):024x}", f"pk_test_{rng.getrandbits(96):024x}"


class SeedCustomers:
    """The ``count`` seed customers of ``seed``, computed on demand from their index.

    Index ``count - 1`` (the newest) is the documentation's example customer Layla Hassan.
    """

    __slots__ = ("_key", "_key_bytes", "_layla_index", "_seed", "count")

    def __init__(self, count: int, seed: int) -> None:
        if count < 0:
            raise ValueError("customers must be >= 0")
        self.count = count
        self._seed = seed
        self._key_bytes = blake2b(f"skiplino-fake:{seed}".encode(), digest_size=16).digest()
        self._key = int.from_bytes(self._key_bytes[:8], "big")
        self._layla_index = count - 1

    def _digest(self, i: int) -> tuple[str, int]:
        """The scrambled public half of customer ``i``'s id and a keyed hash driving its data."""
        head = f"{((i + 1) * _MULT + self._key) & _MASK64:016x}"
        mix = blake2b(head.encode(), digest_size=8, key=self._key_bytes).digest()
        return head, int.from_bytes(mix, "big")

    def customer_id(self, i: int) -> str:
        """The 32-hex ``_id`` of seed customer ``i``."""
        if i == self._layla_index:
            return LAYLA.id
        head, mix = self._digest(i)
        # The random-looking hash comes first; the invertible part makes the id decodable.
        return f"{mix:016x}{head}"

    def index_of_id(self, customer_id: str) -> int | None:
        """The seed index whose ``_id`` is ``customer_id``, or ``None``."""
        if customer_id == LAYLA.id:
            return self._layla_index if self.count else None
        if not _HEX32.fullmatch(customer_id):
            return None
        x = int(customer_id[16:], 16)
        i = (((x - self._key) * _MULT_INV) & _MASK64) - 1
        if 0 <= i < self._layla_index and self.customer_id(i) == customer_id:
            return i
        return None

    def external_id(self, i: int) -> str | None:
        """The ``externalId`` of seed customer ``i`` (every 20th one has none)."""
        if i == self._layla_index:
            return LAYLA.external_id
        return None if i % 20 == 11 else f"ext-{i + 1:07d}"

    def index_of_external_id(self, external_id: str) -> int | None:
        """The seed index whose ``externalId`` is ``external_id``, or ``None``."""
        if external_id == LAYLA.external_id:
            return self._layla_index if self.count else None
        match = _SEED_EXTERNAL_ID.fullmatch(external_id)
        if match is None:
            return None
        i = int(match.group(1)) - 1
        if 0 <= i < self._layla_index and self.external_id(i) == external_id:
            return i
        return None

    def created_at(self, i: int) -> datetime:
        """Seed customers were created one minute apart, the newest at Layla's documented time."""
        return _LAYLA_CREATED - (self.count - 1 - i) * _CREATED_STEP

    def generate(self, i: int) -> CustomerRecord:
        """A fresh record for seed customer ``i`` (some optional fields deliberately unset)."""
        if i == self._layla_index:
            return attrs.evolve(LAYLA, metadata=dict(LAYLA.metadata or {}), seq=i)
        _, mix = self._digest(i)
        first = _FIRST_NAMES[mix % 20]
        last = _LAST_NAMES[(mix >> 8) % 20]
        created = self.created_at(i)
        local_part = f"{first}.{last}".lower().replace(" ", "")
        record = CustomerRecord(
            id=self.customer_id(i),
            company_id=COMPANY_ID,
            created_at=created,
            updated_at=created,
            external_id=self.external_id(i),
            name=None if i % 50 == 17 else f"{first} {last}",
            email=None if i % 7 == 3 else f"{local_part}.{i + 1}@example.com",
            mobile=None if i % 10 == 9 else f"+9733{(mix >> 16) % 10_000_000:07d}",
            metadata=None if i % 3 == 0 else {"tier": _TIERS[(mix >> 40) % 4]},
            seq=i,
        )
        for attr, fake in _OTHER_FIELDS:
            setattr(record, attr, fake(record, mix))
        return record


def _names(en: str, ar: str | None = None, fr: str | None = None) -> dict[str, str]:
    names = {"en": en}
    if ar:
        names["ar"] = ar
    if fr:
        names["fr"] = fr
    return names


# -- the catalogue: rows of (id, parent id, names in en/ar/fr, ..., fields off their default) --

_Names = tuple[str, ...]
_Flags = dict[str, Any]

_TELLER = ("Teller Services", "خدمات الصراف", "Services de caisse")
_CUSTOMER_SERVICE = ("Customer Service", "خدمة العملاء", "Service client")
_WITHDRAWAL = ("Cash Withdrawal", "سحب نقدي", "Retrait d'espèces")
_OPENING = ("Account Opening", "فتح حساب", "Ouverture de compte")
_APPOINTMENT: Final[_Flags] = {"is_appointment": True}

_BRANCHES: Final[tuple[tuple[str, _Names, _Flags], ...]] = (
    ("802b33af66", ("Seef Mall Branch", "فرع سيف مول", "Agence Seef Mall"), {}),
    ("a3f7c2e915", ("City Centre Branch", "فرع سيتي سنتر", "Agence City Centre"), {}),
    ("5d2e8f1a7c", ("Riffa Branch", "فرع الرفاع", "Agence de Riffa"), {"is_open": False}),
    ("e9c4a1d7b3", ("Muharraq Branch", "فرع المحرق", "Agence de Muharraq"), {"active": False}),
)
_GROUPS: Final[tuple[tuple[str, str, _Names, _Flags], ...]] = (
    ("7c1f9a3b2d", "802b33af66", _TELLER, {}),
    ("5e2a8c4f1b", "802b33af66", _CUSTOMER_SERVICE, {}),
    ("1d8f3b6e9a", "802b33af66",
     ("Premium Banking", "الخدمات المصرفية المميزة", "Banque privée"), {}),
    ("2c6a9e4d7f", "802b33af66", ("Loans", "القروض", "Prêts"), {}),
    ("8e4b1f6c2a", "a3f7c2e915", _TELLER, {}),
    ("6d9c2a5f8b", "a3f7c2e915", ("Appointments", "المواعيد", "Rendez-vous"), {}),
    ("9a1e6c3f5d", "a3f7c2e915", ("Archived", "مؤرشف", "Archivé"), {"active": False}),
    ("3b7f1d9e4c", "5d2e8f1a7c", _TELLER, {}),
    ("0f4c8e2b6a", "5d2e8f1a7c", _CUSTOMER_SERVICE, {}),
    ("4e1b7d3a8f", "e9c4a1d7b3", _TELLER, {}),
    ("b5d9e2a7c4", "e9c4a1d7b3", _CUSTOMER_SERVICE, {}),
)  # fmt: skip
_SERVICES: Final[tuple[tuple[str, str, _Names, str, _Flags], ...]] = (
    ("6fe8fb8b12", "7c1f9a3b2d", _WITHDRAWAL, "Q", {}),
    ("3a9d5e7c21", "7c1f9a3b2d", ("Cash Deposit", "إيداع نقدي", "Dépôt d'espèces"), "D", {}),
    ("b41c7e2f90", "7c1f9a3b2d", ("Cheque Deposit", "إيداع شيك", "Dépôt de chèque"), "C",
     {"is_open": False}),
    ("0d5e8a1f3c", "7c1f9a3b2d", ("Coin Exchange", "صرف العملات المعدنية", "Échange de pièces"),
     "X", {"active": False}),
    ("9c3e1a7b5d", "5e2a8c4f1b", _OPENING, "O", _APPOINTMENT),
    # No French name on purpose: exercises the fallback to English.
    ("e7f2c9a4b8", "5e2a8c4f1b", ("Card Services", "خدمات البطاقات"), "K", _APPOINTMENT),
    ("4b7e2d9f1c", "1d8f3b6e9a", ("Wealth Advisory", "استشارات الثروات", "Conseil en patrimoine"),
     "W", {"active": False}),
    ("f1a6d3c8e2", "8e4b1f6c2a", _WITHDRAWAL, "Q", {}),
    ("7b2e9f4a6d", "8e4b1f6c2a", ("Foreign Exchange", "صرف العملات الأجنبية", "Change de devises"),
     "F", {}),
    ("c8d1f5a2e7", "6d9c2a5f8b",
     ("Mortgage Consultation", "استشارة الرهن العقاري", "Conseil hypothécaire"), "M",
     {"is_appointment": True, "slot_capacity": 1}),
    ("5f8a2c6e1d", "9a1e6c3f5d", ("Safe Deposit", "الخزائن", "Coffres-forts"), "S", {}),
    ("2e8c4a7f1b", "3b7f1d9e4c", _WITHDRAWAL, "Q", {}),
    ("d6a3f9c1e5", "0f4c8e2b6a", _OPENING, "O", _APPOINTMENT),
    ("a7d4c1e8f3", "4e1b7d3a8f", _WITHDRAWAL, "Q", {}),
    ("c3f6b9d2a8", "b5d9e2a7c4", _OPENING, "O", _APPOINTMENT),
)  # fmt: skip


def catalogue() -> tuple[list[BranchRecord], list[GroupRecord], list[ServiceRecord]]:
    """Fresh (mutable) copies of the fixed branch / group / service catalogue.

    It covers: an open, a closed and an inactive branch; an empty group and a group with only
    inactive services (both left out of the tree); an inactive group; inactive services; a closed
    walk-in service; appointment services; a name without a French translation.
    """
    branches = [BranchRecord(id, _names(*names), **flags) for id, names, flags in _BRANCHES]
    groups = [
        GroupRecord(id, branch, _names(*names), **flags) for id, branch, names, flags in _GROUPS
    ]
    services = [
        ServiceRecord(id, group, _names(*names), prefix, **flags)
        for id, group, names, prefix, flags in _SERVICES
    ]
    return branches, groups, services
