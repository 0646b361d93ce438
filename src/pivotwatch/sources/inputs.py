"""Turn an input file (plain or .zip) into a plain, LF-terminated local file with a hash.

The content hash is taken over the decompressed bytes, so the same data given as a .zip and
as a plain file is recognised as one file.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from pivotwatch.errors import SourceError

CHUNK = 1 << 20


@dataclass(frozen=True)
class PlainFile:
    path: Path            # a plain, decompressed, LF-terminated file to read
    content_hash: str     # xxh3-128 of the decompressed bytes
    content_bytes: int
    size_bytes: int       # size of the input as given
    # lines blanked because a carriage return sat inside them: (line number, raw text)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


class _Digest:
    """Hash, size and whether a carriage return occurs, over bytes seen chunk by chunk."""

    def __init__(self) -> None:
        self.hash = xxhash.xxh3_128()
        self.size = 0
        self.has_cr = False

    def update(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        self.has_cr = self.has_cr or b"\r" in chunk


def _digest(path: Path) -> _Digest:
    digest = _Digest()
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


def _to_lf(src: Path, dst: Path) -> list[tuple[int, str]]:
    """Copy `src` with CRLF as LF. A line that still holds a CR is written empty (so line
    numbers stay right) and returned, to be rejected: DuckDB's reader would stop at it."""
    bad = []
    with src.open("rb") as fin, dst.open("wb") as fout:
        for number, line in enumerate(fin, 1):
            body = line.rstrip(b"\n").removesuffix(b"\r")
            if b"\r" in body:
                bad.append((number, body.decode("utf-8", "replace")))
                body = b""
            fout.write(body + b"\n")
    return bad


def _extract(path: Path, name: str, target: Path) -> _Digest:
    digest = _Digest()
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise SourceError(f"{name}: expected one file in the zip, found {len(members)}")
            with zf.open(members[0]) as src, target.open("wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
    except SourceError:
        raise
    # zipfile raises NotImplementedError for compression methods it lacks (e.g. deflate64)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise SourceError(f"{name}: not a readable zip ({reason})") from exc
    return digest


@contextlib.contextmanager
def plain_file(path: Path, workdir: Path, name: str) -> Iterator[PlainFile]:
    """Yield the input as a plain file in LF line ends; copies go to `workdir` and are removed.

    `name` is how errors refer to the input (the path or URL the user gave)."""
    size = path.stat().st_size
    if _magic(path)[:2] == b"\x1f\x8b":
        raise SourceError(f"{name}: gzip-compressed; pivotwatch reads plain or .zip exports, "
                          "so gunzip it first")
    with tempfile.TemporaryDirectory(dir=workdir, prefix="input-") as tmp:
        if is_zip(path):
            plain = Path(tmp) / "member"
            digest = _extract(path, name, plain)
        else:
            plain = path
            digest = _digest(path)
        bad: list[tuple[int, str]] = []
        if digest.has_cr:
            lf = Path(tmp) / "lf"
            bad = _to_lf(plain, lf)
            plain = lf
        yield PlainFile(plain, digest.hash.hexdigest(), digest.size, size, bad)


def sniff_widths(path: Path, lines: int = 50, probes: int = 8) -> list[int]:
    """Tab-separated column counts of the first non-empty lines and of a line at each of
    `probes` evenly spaced places in the file (so a layout that starts late is seen)."""
    widths: list[int] = []
    size = path.stat().st_size
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                widths.append(raw.count(b"\t") + 1)
            if len(widths) >= lines:
                break
        for k in range(1, probes + 1):
            fh.seek(size * k // (probes + 1))
            fh.readline()  # the rest of a line cut by the seek
            raw = fh.readline()
            if raw.strip():
                widths.append(raw.count(b"\t") + 1)
    return widths


def read_lines(path: Path, numbers: list[int]) -> dict[int, bytes]:
    """The raw bytes (without the line end) of the given 1-based line numbers."""
    wanted = set(numbers)
    found: dict[int, bytes] = {}
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if number in wanted:
                found[number] = line.rstrip(b"\n")
                if len(found) == len(wanted):
                    break
    return found
