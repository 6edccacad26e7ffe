"""The four proofs of the reliability work, under seeded faults. Run with ``-s`` for figures.

1. Auto-paginating 10,000 customers through transient 5xx, dropped connections and 429s
   yields every customer exactly once.
2. 500 bookings under ambiguous failures never create a ticket nobody can account for:
   ``successes <= created <= successes + errors with request_sent``, 0 duplicates.
3. A customer create with an external id, retried after an ambiguous failure, leaves one
   customer.
4. A 2 s deadline holds even when the server answers "Retry-After: 1".
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from skiplino_async import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
    Ticket,
)
from skiplino_async._request import Request
from skiplino_async.testing import FakeSkiplino, FaultRule, Faults

SERVICE, GROUP = "6fe8fb8b12", "7c1f9a3b2d"
TINY_WAITS = RetryPolicy(initial_delay=0.0005, max_delay=0.002)
AMBIGUOUS_STATUSES = (500, 502, 504)

Injector = Callable[..., FaultRule]


def inject(faults: Faults, mix: list[tuple[str, float, Injector]], **match: Any) -> None:
    """Add rules so that each fires for its *marginal* share of the requests.

    The first firing rule wins and later ones are not drawn, so rule k is given the
    probability ``share_k / (1 - sum of the shares before it)``.
    """
    taken = 0.0
    for seed, (_, share, add) in enumerate(mix, start=1):
        add(probability=share / (1.0 - taken), seed=seed, **match)
        taken += share
    assert taken < 1.0


def report(title: str, figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    print(f"\n[{title}]")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")


# --- 1. pagination: 0 lost, 0 duplicated ----------------------------------------------------


async def test_proof_1_paginating_10000_customers_under_faults() -> None:
    async with FakeSkiplino(customers=10_000, seed=1) as fake:
        f = fake.faults
        mix: list[tuple[str, float, Injector]] = [
            ("500", 0.05, lambda **m: f.status(500, **m)),
            ("502", 0.05, lambda **m: f.html(status=502, **m)),
            ("503", 0.05, lambda **m: f.status(503, **m)),
            ("504", 0.05, lambda **m: f.status(504, **m)),
            ("drop_before", 0.025, lambda **m: f.drop_before(**m)),
            ("drop_after", 0.025, lambda **m: f.drop_after(**m)),
            ("429 Retry-After: 0", 0.03, lambda **m: f.status(429, retry_after="0", **m)),
        ]
        inject(f, mix, method="GET", path="/customers/getAll")
        expected = {c.id for c in fake.state.iter_customers()}
        assert len(expected) == 10_000
        async with Skiplino(
            api_key=fake.secret_key, base_url=fake.url, retry_policy=TINY_WAITS, max_retries=10
        ) as client:
            seen: list[str] = []
            with client.capture_responses() as captured:
                async for customer in client.customers.list(limit=100):
                    seen.append(customer.id)
            # The same pages fetched one by one, without the paginator's de-duplication:
            # what the transport returned is itself complete and duplicate-free.
            raw: list[str] = []
            for page_no in range(1, 101):
                page = await client.customers.list(page=page_no, limit=100)
                raw.extend(c.id for c in page.items)

        counts = Counter(seen)
        lost = len(expected - counts.keys())
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        raw_counts = Counter(raw)
        fired = {name: rule.fired for (name, _, _), rule in zip(mix, f.rules, strict=True)}
        requests = sum(1 for r in fake.requests if r.path == "/customers/getAll")
        report(
            "proof 1: paginating 10,000 customers under faults",
            {
                "customers yielded": len(seen),
                "lost": lost,
                "duplicated": duplicated,
                "unexpected ids": len(counts.keys() - expected),
                "pages (auto walk)": len(captured.responses),
                "retries (auto walk)": sum(r.retries for r in captured.responses),
                "getAll requests (both walks)": requests,
                "faults fired": fired,
                "faults per request (mix: 28%)": f"{sum(fired.values()) / requests:.1%}",
                "page-by-page walk: lost/duplicated": (
                    len(expected - raw_counts.keys()),
                    sum(n - 1 for n in raw_counts.values() if n > 1),
                ),
            },
        )
        assert len(seen) == 10_000
        assert lost == 0
        assert duplicated == 0
        assert counts.keys() == expected
        assert raw_counts.keys() == expected
        assert len(raw) == 10_000
        assert len(captured.responses) == 100
        # The faults really happened, at about the advertised rates.
        assert sum(fired[k] for k in ("500", "502", "503", "504")) > 0.1 * requests
        assert fired["drop_before"] + fired["drop_after"] > 0.02 * requests
        assert fired["429 Retry-After: 0"] > 0


# --- 2. bookings: nothing duplicated, everything accounted for ----------------------------


def booking_mix(f: Faults) -> list[tuple[str, float, Injector]]:
    return [
        ("drop_after (booked, no answer)", 0.08, lambda **m: f.drop_after(**m)),
        ("drop_before (not booked)", 0.05, lambda **m: f.drop_before(**m)),
        ("truncated (booked)", 0.03, lambda **m: f.truncated(**m)),
        ("500 after booking", 0.04, lambda **m: f.status(500, process=True, **m)),
        ("502 after booking", 0.03, lambda **m: f.html(status=502, process=True, **m)),
        ("504 after booking", 0.03, lambda **m: f.status(504, process=True, **m)),
        ("500 without booking", 0.02, lambda **m: f.status(500, **m)),
        ("429 Retry-After: 0", 0.08, lambda **m: f.status(429, retry_after="0", **m)),
        ("503 Retry-After: 0", 0.06, lambda **m: f.status(503, retry_after="0", **m)),
    ]


async def run_bookings(
    fake: FakeSkiplino, client: Skiplino, attempts: int, send: Callable[[int], Any]
) -> dict[str, Any]:
    """Book ``attempts`` times (20 at a time) and account for every ticket the server made."""
    limit = asyncio.Semaphore(20)
    outcomes: dict[int, Ticket | SkiplinoError] = {}

    async def attempt(i: int) -> None:
        async with limit:
            try:
                outcomes[i] = await send(i)
            except SkiplinoError as exc:
                outcomes[i] = exc

    await asyncio.gather(*(attempt(i) for i in range(attempts)))
    tickets_of: dict[int, list[str]] = {}
    for ticket in fake.state.tickets:
        assert ticket.options is not None
        tickets_of.setdefault(ticket.options["attempt"], []).append(ticket.id)

    successes = sent_errors = unsent_errors = reached = unaccounted = 0
    for i, result in outcomes.items():
        made = tickets_of.get(i, [])
        if isinstance(result, Ticket):
            successes += 1
            unaccounted += made != [result.id]  # the one ticket made must be the one returned
        elif _request_sent(result):
            sent_errors += 1
            reached += len(made) > 0
        else:
            unsent_errors += 1
            unaccounted += len(made) > 0  # "certainly not processed", yet a ticket exists
    kinds = Counter(
        type(r).__name__ + (f" {r.status_code}" if isinstance(r, APIStatusError) else "")
        for r in outcomes.values()
    )
    return {
        "attempts": attempts,
        "tickets created": fake.state.tickets_created,
        "successes": successes,
        "errors with request_sent=True": sent_errors,
        "... of which the server had booked": reached,
        "errors certainly not sent": unsent_errors,
        "attempts whose tickets do not match their outcome": unaccounted,
        "duplicate bookings": sum(1 for made in tickets_of.values() if len(made) > 1),
        "outcomes": dict(sorted(kinds.items())),
    }


def _request_sent(exc: SkiplinoError) -> bool:
    """Whether the server may have acted: a sent connection failure or an ambiguous 5xx."""
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    return isinstance(exc, InternalServerError) and exc.status_code in AMBIGUOUS_STATUSES


async def test_proof_2_bookings_under_ambiguous_failures() -> None:
    async with FakeSkiplino(seed=2) as fake:
        mix = booking_mix(fake.faults)
        inject(fake.faults, mix, method="POST", path="/tickets/book")
        async with Skiplino(
            api_key=fake.secret_key, base_url=fake.url, retry_policy=TINY_WAITS, max_retries=5
        ) as client:

            async def book(i: int) -> Ticket:
                return await client.tickets.book(
                    service_id=SERVICE, group_of_service_id=GROUP, options={"attempt": i}
                )

            figures = await run_bookings(fake, client, 500, book)
        figures["faults fired"] = {
            name: rule.fired for (name, _, _), rule in zip(mix, fake.faults.rules, strict=True)
        }
        report("proof 2: 500 bookings under ambiguous failures", figures)
        created = figures["tickets created"]
        successes = figures["successes"]
        sent = figures["errors with request_sent=True"]
        assert figures["duplicate bookings"] == 0
        assert figures["attempts whose tickets do not match their outcome"] == 0
        assert successes <= created <= successes + sent
        assert created == successes + figures["... of which the server had booked"]
        # The run did meet every kind of trouble it claims to survive.
        assert all(rule.fired > 0 for rule in fake.faults.rules)
        assert figures["... of which the server had booked"] > 0
        assert successes > 300


async def test_proof_2_control_a_client_retrying_ambiguous_posts_is_caught() -> None:
    """The same run with bookings marked safe to retry: the accounting above must fail."""
    async with FakeSkiplino(seed=2) as fake:
        inject(fake.faults, booking_mix(fake.faults), method="POST", path="/tickets/book")
        async with Skiplino(
            api_key=fake.secret_key, base_url=fake.url, retry_policy=TINY_WAITS, max_retries=5
        ) as client:

            async def unsafe_book(i: int) -> Ticket:
                body = {"serviceId": SERVICE, "groupOfServiceId": GROUP, "options": {"attempt": i}}
                request = Request("POST", "/tickets/book", json=body, idempotent=True)
                env = await client._send(request, {})
                return Ticket.from_dict(env.data)

            figures = await run_bookings(fake, client, 200, unsafe_book)
        report("proof 2, control: ambiguous POSTs retried", figures)
        assert figures["duplicate bookings"] > 0
        assert (
            figures["tickets created"]
            > figures["successes"] + figures["errors with request_sent=True"]
        )


# --- 3. customer create with an external id -------------------------------------------------


async def test_proof_3_retried_create_with_external_id_leaves_one_customer() -> None:
    async with FakeSkiplino(seed=3) as fake:
        f = fake.faults
        mix: list[tuple[str, float, Injector]] = [
            ("drop_after", 0.15, lambda **m: f.drop_after(**m)),
            ("truncated", 0.05, lambda **m: f.truncated(**m)),
            ("500 after create", 0.1, lambda **m: f.status(500, process=True, **m)),
            ("502 after create", 0.05, lambda **m: f.html(status=502, process=True, **m)),
            ("504 without create", 0.05, lambda **m: f.status(504, **m)),
            ("drop_before", 0.05, lambda **m: f.drop_before(**m)),
        ]
        inject(f, mix, method="POST", path="/customers/create")
        before = fake.state.customer_count
        async with Skiplino(
            api_key=fake.secret_key, base_url=fake.url, retry_policy=TINY_WAITS, max_retries=6
        ) as client:
            # The single case of the issue, first: the answer to the create is lost.
            f.rules.insert(0, FaultRule("drop_after", path="/customers/create", times=1))
            first = await client.customers.create(external_id="crm-proof-0", name="Noor")
            rest = await asyncio.gather(
                *(
                    client.customers.create(external_id=f"crm-proof-{i}", name=f"C{i}")
                    for i in range(1, 100)
                )
            )
            created = [first, *rest]
        per_external_id = Counter(
            c.external_id
            for c in fake.state.iter_customers()
            if c.external_id and c.external_id.startswith("crm-proof-")
        )
        fired = {name: rule.fired for (name, _, _), rule in zip(mix, f.rules[1:], strict=True)}
        report(
            "proof 3: customer creates with an external id under faults",
            {
                "creates": len(created),
                "customers added": fake.state.customer_count - before,
                "external ids with more than one customer": sum(
                    1 for n in per_external_id.values() if n > 1
                ),
                "recovered by fetching after 'already taken'": sum(
                    1 for r in fake.requests if r.path == "/customers/getOne"
                ),
                "faults fired": fired,
            },
        )
        assert f.rules[0].fired == 1
        assert first.external_id == "crm-proof-0"
        assert per_external_id["crm-proof-0"] == 1
        assert fake.state.customer_count - before == 100
        assert set(per_external_id.values()) == {1}
        assert len(per_external_id) == 100
        for customer in created:
            stored = fake.state.get_customer(external_id=customer.external_id)
            assert stored is not None
            assert stored.id == customer.id
        assert any(r.path == "/customers/getOne" for r in fake.requests)


# --- 4. the deadline ----------------------------------------------------------------------


async def test_proof_4_a_2s_deadline_holds_against_retry_after_1() -> None:
    """Three calls side by side, each with a 2 s deadline, against "Retry-After: 1" answers.

    The one timing bound of the suite, required by the issue: 2.5 s leaves half a second for
    a loaded machine, while a client that slept once more (or waited out the 10 s attempt
    timeout) would take 3 s or more.
    """
    async with FakeSkiplino(seed=4) as fake:
        f = fake.faults
        # Every answer is 429 (or 503) "Retry-After: 1"; some routes are also slow.
        f.delay(0.9, path="/branches")
        f.status(429, retry_after="1", path="/branches")
        f.status(429, retry_after="1", path="/customers/getOne")
        f.delay(0.3, method="POST", path="/tickets/book")
        f.status(503, retry_after="1", method="POST", path="/tickets/book")
        async with Skiplino(
            api_key=fake.secret_key,
            base_url=fake.url,
            retry_policy=TINY_WAITS,
            max_retries=50,
            timeout=10,
        ) as client:

            async def timed(name: str, call: Any) -> tuple[str, float, SkiplinoError]:
                started = time.monotonic()
                with pytest.raises(SkiplinoError) as caught:
                    await call
                return name, time.monotonic() - started, caught.value

            results = await asyncio.gather(
                timed("GET 0.9 s + 429", client.branches.list(deadline=2.0)),
                timed("GET 429", client.customers.get(external_id="crm-7741", deadline=2.0)),
                timed(
                    "POST 0.3 s + 503",
                    client.tickets.book(
                        service_id=SERVICE, group_of_service_id=GROUP, deadline=2.0
                    ),
                ),
            )
        report(
            "proof 4: 2 s deadline, Retry-After: 1",
            {
                name: f"{elapsed:.3f}s, {type(exc).__name__} after {exc.attempts} attempts"  # type: ignore[attr-defined]
                for name, elapsed, exc in results
            },
        )
        for name, elapsed, exc in results:
            assert elapsed < 2.5, name
            # Retry-After was obeyed: tiny backoff waits alone would make dozens of attempts in
            # 2 s. (One attempt is right too: a retry the client's shared "not before" would
            # hold past the deadline is not made.)
            assert 1 <= getattr(exc, "attempts", 0) <= 3, name
        assert fake.state.tickets_created == 0
