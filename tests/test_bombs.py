"""Memory is bounded by the cap on *decoded* bytes, whatever the encoding claims.

A few hundred KB of gzip or deflate can inflate to gigabytes. Each case runs in a subprocess
with an address-space limit: a raw server on 127.0.0.1 sends the bomb, the client fetches it,
and the child reports the growth of its peak RSS (``VmHWM``, reset through
``/proc/self/clear_refs`` after start-up) and how many requests the server saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skiplino_async._decode import BodyDecoder, BodyError, BodyTooLarge

#: What the bomb inflates to: five times the 64 MiB cap.
INFLATED = 320 * 1024 * 1024

CHILD = textwrap.dedent(
    """
    import asyncio, json, resource, sys, zlib

    import skiplino_async as sk

    encoding, inflated = sys.argv[1], int(sys.argv[2])

    def bomb():
        wbits = {"gzip": 31, "deflate": 15, "identity": 0}[encoding]
        block = b"\\0" * (1 << 20)
        if not wbits:
            return block * (inflated >> 20)
        z = zlib.compressobj(6, zlib.DEFLATED, wbits)
        return b"".join(z.compress(block) for _ in range(inflated >> 20)) + z.flush()

    body = bomb()
    hits = 0

    async def handle(reader, writer):
        global hits
        await reader.readuntil(b"\\r\\n\\r\\n")
        hits += 1
        if hits == 1:  # the warm-up: a small, valid answer
            ok = b'{"message": "ok", "data": []}'
            writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(ok), ok))
            await writer.drain()
            writer.close()
            return
        head = f"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
        if encoding != "identity":
            head += f"Content-Encoding: {encoding}\\r\\nContent-Length: {len(body)}\\r\\n"
        else:
            head += "Transfer-Encoding: chunked\\r\\n"
        writer.write(head.encode() + b"\\r\\n")
        try:
            if encoding == "identity":
                for i in range(0, len(body), 1 << 20):
                    chunk = body[i : i + (1 << 20)]
                    writer.write(b"%x\\r\\n" % len(chunk) + chunk + b"\\r\\n")
                    await writer.drain()
                writer.write(b"0\\r\\n\\r\\n")
            else:
                writer.write(body)
            await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    def hwm_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/external/v1"
        async with sk.Skiplino(api_key="sk_test_bomb", base_url=url, max_retries=2) as c:
            await c.branches.list(max_retries=0, timeout=5)  # warm up: imports, pools
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            base = hwm_kib()
            try:
                await c.branches.list(timeout=60)
                outcome = "no error"
            except sk.SkiplinoError as exc:
                outcome = type(exc).__name__
        server.close()
        print(json.dumps({"outcome": outcome, "growth_mib": (hwm_kib() - base) / 1024,
                          "hits": hits}))

    soft = 2 * 1024**3  # address space: far below the inflated size of the old behaviour
    resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
    try:
        asyncio.run(main())
    except MemoryError:
        print(json.dumps({"outcome": "MemoryError", "growth_mib": None, "hits": hits}))
    """
)


def _run(encoding: str) -> dict[str, object]:
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc to measure peak RSS")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, encoding, str(INFLATED)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    result: dict[str, object] = json.loads(lines[-1])
    return result


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity"])
def test_a_bomb_is_refused_within_the_cap_and_fetched_once(encoding: str) -> None:
    result = _run(encoding)
    # Refused as a response of the wrong shape (not a connection error: it is not transient).
    assert result["outcome"] == "APIResponseValidationError", result
    assert result["hits"] == 2, result  # the warm-up and one attempt: never retried
    growth = result["growth_mib"]
    assert isinstance(growth, float)
    assert growth < 200, result  # the 64 MiB cap, its one copy, and the allocator's slack


def test_decoder_asks_zlib_for_no_more_than_fits() -> None:
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(z.compress(b"\0" * (1 << 20)) for _ in range(16)) + z.flush()
    decoder = BodyDecoder("gzip", 1 << 20)
    with pytest.raises(BodyTooLarge):
        decoder.feed(bomb)


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("br", b"whatever", "unsupported Content-Encoding"),
        ("gzip", b"not gzip", "corrupt"),
        ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "ends before its stream"),
    ],
)
def test_decoder_refuses_what_it_cannot_decode(encoding: str, body: bytes, message: str) -> None:
    def decode() -> bytes:
        decoder = BodyDecoder(encoding, 1 << 20)
        decoder.feed(body)
        return decoder.finish()

    with pytest.raises(BodyError, match=message):
        decode()
