"""Response bodies decoded as they arrive, never past a cap on the *decoded* size.

aiohttp's own decompression inflates a whole received chunk before anyone can count it, so a
few MB of gzip can become gigabytes in memory. The transport turns it off and feeds the raw
bytes here instead: zlib is asked for at most what is left under the cap, so memory stays
bounded by the cap whatever the encoding claims.
"""

from __future__ import annotations

import zlib
from typing import Final

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "BodyError", "BodyTooLarge"]

#: The encodings we decode, sent as ``Accept-Encoding``: a server has no reason to use others.
ACCEPT_ENCODING: Final = "gzip, deflate"


class BodyError(ValueError):
    """The body cannot be decoded (unknown encoding, corrupt or truncated stream)."""


class BodyTooLarge(BodyError):
    """The decoded body would exceed the cap."""


class BodyDecoder:
    """Collects one body, decoding ``Content-Encoding`` (identity, gzip, deflate) on the way."""

    __slots__ = ("_buf", "_cap", "_encoding", "_z")

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise BodyError(f"unsupported Content-Encoding {content_encoding!r}")
        self._encoding = encoding
        self._cap = cap
        self._buf = bytearray()
        self._z: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> None:
        """Add raw bytes from the wire."""
        if not chunk:
            return
        if self._encoding in ("", "identity"):
            self._add(chunk)
            return
        z = self._z
        if z is None:
            # "deflate" is meant to be zlib-wrapped, but some servers send the raw stream.
            z = self._z = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(chunk) else -15)
        data = chunk
        try:
            while data:
                if z.eof:
                    # Concatenated gzip members are one valid body: go on with the next one.
                    z = self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
                # Ask for one byte more than fits: getting it proves the body is too large.
                self._add(z.decompress(data, self._cap - len(self._buf) + 1))
                data = z.unused_data if z.eof else z.unconsumed_tail
        except zlib.error as exc:
            raise BodyError(f"the {self._encoding} body is corrupt: {exc}") from None

    def finish(self) -> bytes:
        """The decoded body; raises :class:`BodyError` if a compressed stream was cut short."""
        z = self._z
        if z is not None:
            try:
                self._add(z.flush())
            except zlib.error as exc:
                raise BodyError(f"the {self._encoding} body is corrupt: {exc}") from None
            if not z.eof:
                raise BodyError(f"the {self._encoding} body ends before its stream does")
        data = bytes(self._buf)
        self._buf = bytearray()
        return data

    def _add(self, data: bytes) -> None:
        if len(self._buf) + len(data) > self._cap:
            raise BodyTooLarge(f"the decoded body exceeds {self._cap} bytes")
        self._buf += data


def _zlib_header(chunk: bytes) -> bool:
    return len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
