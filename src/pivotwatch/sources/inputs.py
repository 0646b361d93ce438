"""Turn an input file (plain or .zip) into a plain, LF-terminated local file with a hash.

The content hash is taken over the decompressed bytes, so the same data given as a .zip and
as a plain file is recognised as one file.

Inputs are written by strangers, so every pass reads in bounded chunks: a file or zip member
over `max_member_bytes` is refused (a zip as soon as its member expands past it), and no
reader holds more of one line than the longest line it takes. A line DuckDB's CSV reader would
not take (a carriage return inside it, or longer than its line limit; DuckDB drops lines of
tens of MB without a word) is written empty, so line numbers stay right, and returned as a
reject with its reason.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import xxhash

from pivotwatch.errors import SourceError
from pivotwatch.settings import get_settings

CHUNK = 1 << 20
# DuckDB read_csv's default max_line_size. It counts the line end: with duckdb 2.0.1 a line of
# 1,999,999 bytes and its LF parses, one byte more is rejected. No GDELT row comes near it.
READER_MAX_LINE = 2_000_000
RAW_PREFIX = 2000  # bytes of a blanked line kept as its raw text in `rejects`
CR_INSIDE = "carriage return inside the line"


def _too_long(length: int, limit: int) -> str:
    if limit >= READER_MAX_LINE - 1:
        return f"line of {length:,} bytes, longer than a GDELT row can be (2 MB)"
    return (f"line of {length:,} bytes, over the {limit:,}-byte cap "
            "(PIVOTWATCH_MAX_LINE_BYTES)")


class BadLines:
    """Lines blanked before parsing, as (line number, reason, raw text), in line order.

    Past `KEEP` of them the rest wait in a file in `folder`, so a file whose every line is bad
    takes no more memory than a few thousand."""

    KEEP = 10_000
    _HEAD = struct.Struct("<QII")  # line number, length of the reason, length of the raw bytes

    def __init__(self, folder: Path):
        self._folder = folder
        self._spill: Path | None = None
        self._spilled = 0
        self._kept: list[tuple[int, str, bytes]] = []

    def __len__(self) -> int:
        return self._spilled + len(self._kept)

    def add(self, number: int, reason: str, raw: bytes) -> None:
        self._kept.append((number, reason, bytes(raw[:RAW_PREFIX])))
        if len(self._kept) >= self.KEEP:
            if self._spill is None:
                fd, name = tempfile.mkstemp(dir=self._folder, prefix="bad-lines-")
                os.close(fd)
                self._spill = Path(name)
            with self._spill.open("ab") as fh:
                for line, why, text in self._kept:
                    encoded = why.encode()
                    fh.write(self._HEAD.pack(line, len(encoded), len(text)) + encoded + text)
            self._spilled += len(self._kept)
            self._kept = []

    def _all(self) -> Iterator[tuple[int, str, bytes]]:
        if self._spill is not None:
            with self._spill.open("rb") as fh:
                while head := fh.read(self._HEAD.size):
                    line, n_reason, n_raw = self._HEAD.unpack(head)
                    yield line, fh.read(n_reason).decode(), fh.read(n_raw)
        yield from self._kept

    def __iter__(self) -> Iterator[tuple[int, str, str]]:
        for line, reason, raw in self._all():
            yield line, reason, raw.decode("utf-8", "replace")


@dataclass(frozen=True)
class PlainFile:
    path: Path            # a plain, decompressed, LF-terminated file to read
    content_hash: str     # xxh3-128 of the decompressed bytes
    content_bytes: int
    size_bytes: int       # size of the input as given
    bad_lines: BadLines   # lines written empty, each with its reason
    lines: int = 0        # physical lines: each ends as a row, a reject or a blank line
    blank_lines: int = 0  # empty lines in the input, which the CSV reader passes over


class _Digest:
    """Hash and size over bytes seen chunk by chunk, stopping past `cap` bytes."""

    def __init__(self, name: str, cap: int, what: str):
        self.hash = xxhash.xxh3_128()
        self.size = 0
        self.name, self.cap, self.what = name, cap, what

    def update(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        if self.size > self.cap:
            raise SourceError(f"{self.name}: {self.what} more than {self.cap:,} bytes, the cap "
                              "on one input (PIVOTWATCH_MAX_MEMBER_BYTES); refused")


class _Lines:
    """Follows the lines of bytes fed chunk by chunk and finds those the CSV reader cannot
    take: a carriage return inside (CRLF is a line end) or a body over `limit` bytes. With
    `out`, writes the bytes with CRLF as LF and such lines empty.

    Never holds more of a line than `limit` bytes: past it, only the length and a prefix are
    kept. Chunks must be at most `limit` bytes long, so a line wholly inside one is short
    enough and whole chunks of good lines go through without a look at each line."""

    def __init__(self, limit: int, bad: BadLines, out: BinaryIO | None = None):
        self.limit = limit
        self.bad = bad
        self.out = out
        self.lines = 0
        self.blank = 0
        self.has_cr = False
        self._part = bytearray()  # the current line so far, while within the limit
        self._over = 0  # the current line's length so far, once past the limit
        self._prefix = b""  # and its first bytes
        self._last = b""  # and its last byte
        self._ends = self._pairs = b""  # numpy arrays once a chunk of whole lines is seen

    @property
    def needs_rewrite(self) -> bool:
        return self.has_cr or len(self.bad) > 0

    def feed(self, chunk: bytes | bytearray, end: int | None = None) -> None:
        """Take `chunk[:end]` (a reused buffer is fine: what is kept is copied)."""
        end = len(chunk) if end is None else end
        first = chunk.find(b"\n", 0, end)
        if first < 0:
            self._extend(chunk[:end])
            return
        self._extend(chunk[:first])
        self._end_line()
        last = chunk.rfind(b"\n", 0, end)
        if last > first:
            self._whole(chunk, first + 1, last + 1)
        self._extend(chunk[last + 1:end])

    def close(self) -> None:
        if self._part or self._over:  # a last line without its LF
            self._end_line()

    def _whole(self, chunk: bytes | bytearray, start: int, end: int) -> None:
        """The lines that start and end in this chunk: `chunk[start:end]`, ending with LF."""
        if chunk.find(b"\r", start, end) >= 0:
            self.has_cr = True
            data = bytes(chunk[start:end])
            if data.count(b"\r") != data.count(b"\r\n"):
                for line in data[:-1].split(b"\n"):
                    self._line(line)
                return
            chunk = data.replace(b"\r\n", b"\n")
            start, end = 0, len(chunk)
        # Count LFs and LF pairs (blank lines) with numpy into reused arrays: bytes.count
        # takes 1-2 ms a MiB, and fresh MiB-sized arrays cost page faults on every chunk.
        # (Imported here: the claims audit imports this module's loaders but reads no file.)
        import numpy as np

        n = end - start
        if len(self._ends) < n:
            self._ends, self._pairs = np.empty(n, bool), np.empty(n, bool)
        ends = np.equal(np.frombuffer(chunk, np.uint8, n, start), ord("\n"),
                        out=self._ends[:n])
        pairs = np.logical_and(ends[1:], ends[:-1], out=self._pairs[:n - 1])
        self.lines += int(np.count_nonzero(ends))
        self.blank += int(ends[0]) + int(np.count_nonzero(pairs))
        if self.out:
            self.out.write(memoryview(chunk)[start:end])

    def _extend(self, data: bytes) -> None:
        if not data:
            return
        if self._over:
            self._over += len(data)
            if len(self._prefix) < RAW_PREFIX:
                self._prefix += data[:RAW_PREFIX - len(self._prefix)]
        else:
            self._part += data
            # one byte of slack: a CR before the LF is not part of the line
            if len(self._part) > self.limit + 1:
                self._over = len(self._part)
                self._prefix = bytes(self._part[:RAW_PREFIX])
                self._part = bytearray()
        self._last = data[-1:]

    def _end_line(self) -> None:
        if self._over:
            cr = self._last == b"\r"
            self.has_cr = self.has_cr or cr
            self.lines += 1
            prefix = self._prefix.removesuffix(b"\r") if self._over <= RAW_PREFIX else self._prefix
            self._reject(prefix, _too_long(self._over - cr, self.limit))
            self._over = 0
        else:
            line = bytes(self._part)
            self._part.clear()
            self._line(line)

    def _line(self, raw: bytes) -> None:
        """One whole line, without its LF."""
        self.lines += 1
        body = raw.removesuffix(b"\r")
        if b"\r" in raw:
            self.has_cr = True
        if len(body) > self.limit:  # as for lines past the limit in _extend
            self._reject(body, _too_long(len(body), self.limit))
        elif b"\r" in body:
            self._reject(body, CR_INSIDE)
        else:
            self.blank += not body
            if self.out:
                self.out.write(body + b"\n")

    def _reject(self, raw: bytes, reason: str) -> None:
        self.bad.add(self.lines, reason, raw)
        if self.out:
            self.out.write(b"\n")


def _digest(path: Path) -> _Digest:
    digest = _Digest(str(path), 1 << 62, "")
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest


def hash_file(path: Path) -> tuple[str, int]:
    digest = _digest(path)
    return digest.hash.hexdigest(), digest.size


def _magic(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4)


def is_zip(path: Path) -> bool:
    """Named .zip, or a zip whatever its name (GDELT mirrors do rename files)."""
    return path.suffix.lower() == ".zip" or _magic(path) == b"PK\x03\x04"


def _pass(src: BinaryIO, digest: _Digest, lines: _Lines, *, check: bool = False) -> None:
    """Read `src` through `digest` and `lines`; with `check`, stop looking at lines once
    the file is known to need rewriting (the hash still takes every byte)."""
    buffer = bytearray(min(CHUNK, lines.limit))
    while size := src.readinto(buffer):
        digest.update(memoryview(buffer)[:size])
        if not (check and lines.needs_rewrite):
            lines.feed(buffer, size)
    lines.close()


def _extract(path: Path, name: str, target: Path, cap: int, lines: _Lines) -> _Digest:
    digest = _Digest(name, cap, "the zip member expands to")
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise SourceError(f"{name}: expected one file in the zip, found {len(members)}")
            if members[0].file_size > cap:
                raise SourceError(
                    f"{name}: the zip member says it expands to {members[0].file_size:,} "
                    f"bytes, over the cap of {cap:,} on one input (PIVOTWATCH_MAX_MEMBER_BYTES);"
                    " refused")
            with zf.open(members[0]) as src, target.open("wb") as dst:
                lines.out = dst
                _pass(src, digest, lines)
    except SourceError:
        target.unlink(missing_ok=True)
        raise
    # zipfile raises NotImplementedError for compression methods it lacks (e.g. deflate64)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        target.unlink(missing_ok=True)
        reason = str(exc).strip() or type(exc).__name__
        raise SourceError(f"{name}: not a readable zip ({reason})") from exc
    return digest


@contextlib.contextmanager
def plain_file(path: Path, workdir: Path, name: str) -> Iterator[PlainFile]:
    """Yield the input as a plain file in LF line ends, each line short enough for DuckDB's
    CSV reader; copies go to `workdir` and are removed.

    `name` is how errors refer to the input (the path or URL the user gave)."""
    settings = get_settings()
    cap = settings.max_member_bytes
    limit = min(READER_MAX_LINE - 1, settings.max_line_bytes)
    size = path.stat().st_size
    if _magic(path)[:2] == b"\x1f\x8b":
        raise SourceError(f"{name}: gzip-compressed; pivotwatch reads plain or .zip exports, "
                          "so gunzip it first")
    with tempfile.TemporaryDirectory(dir=workdir, prefix="input-") as tmp:
        bad = BadLines(Path(tmp))
        if is_zip(path):
            plain = Path(tmp) / "member"
            lines = _Lines(limit, bad)
            digest = _extract(path, name, plain, cap, lines)
        else:
            if size > cap:
                raise SourceError(f"{name}: {size:,} bytes, over the cap of {cap:,} on one "
                                  "input (PIVOTWATCH_MAX_MEMBER_BYTES); refused")
            plain = path
            digest = _Digest(name, cap, "the file holds")
            lines = _Lines(limit, BadLines(Path(tmp)))
            with path.open("rb") as src:
                _pass(src, digest, lines, check=True)
            if lines.needs_rewrite:
                plain = Path(tmp) / "lf"
                lines = _Lines(limit, bad)
                with path.open("rb") as src, plain.open("wb") as dst:
                    lines.out = dst
                    _pass(src, _Digest(name, cap, "the file holds"), lines)
        yield PlainFile(plain, digest.hash.hexdigest(), digest.size, size, lines.bad,
                        lines.lines, lines.blank)


def _bounded_lines(fh: BinaryIO, cap: int) -> Iterator[bytes | None]:
    """Each line of `fh` without its LF, or None for a line longer than `cap` bytes, which
    is passed over in bounded reads."""
    while line := fh.readline(cap + 1):
        if line.endswith(b"\n"):
            yield line[:-1]
        elif len(line) <= cap:
            yield line  # the last line, without an LF
        else:
            _skip_line(fh)
            yield None


def _skip_line(fh: BinaryIO) -> None:
    while (rest := fh.readline(CHUNK)) and not rest.endswith(b"\n"):
        pass


def sniff_widths(path: Path, lines: int = 50, probes: int = 8) -> list[int]:
    """Tab-separated column counts of the first non-empty lines and of a line at each of
    `probes` evenly spaced places in the file (so a layout that starts late is seen).
    Lines over the line cap are passed over."""
    cap = get_settings().max_line_bytes
    widths: list[int] = []
    size = path.stat().st_size
    with path.open("rb") as fh:
        for raw in _bounded_lines(fh, cap):
            if raw is not None and raw.strip():
                widths.append(raw.count(b"\t") + 1)
            if len(widths) >= lines:
                break
        for k in range(1, probes + 1):
            fh.seek(size * k // (probes + 1))
            _skip_line(fh)  # the rest of a line cut by the seek
            raw = next(_bounded_lines(fh, cap), None)
            if raw is not None and raw.strip():
                widths.append(raw.count(b"\t") + 1)
    return widths


def read_lines(path: Path, numbers: list[int]) -> dict[int, bytes]:
    """The raw bytes (without the line end) of the given 1-based line numbers."""
    cap = get_settings().max_line_bytes
    wanted = set(numbers)
    found: dict[int, bytes] = {}
    with path.open("rb") as fh:
        for number, line in enumerate(_bounded_lines(fh, cap), 1):
            if number in wanted:
                if line is None:
                    raise SourceError(f"line {number} is longer than the {cap:,}-byte cap on "
                                      "one line (PIVOTWATCH_MAX_LINE_BYTES)")
                found[number] = line
                if len(found) == len(wanted):
                    break
    return found
