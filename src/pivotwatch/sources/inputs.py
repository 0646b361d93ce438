"""Turn an input file (plain or .zip) into a plain local file with a content hash.

The content hash is taken over the decompressed bytes, so the same data given as a .zip and
as a plain file is recognised as one file.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash

from pivotwatch.errors import SourceError

CHUNK = 1 << 20


@dataclass(frozen=True)
class PlainFile:
    path: Path            # a plain, decompressed file to read
    content_hash: str     # xxh3-128 of the decompressed bytes
    content_bytes: int
    size_bytes: int       # size of the input as given


def hash_file(path: Path) -> tuple[str, int]:
    h = xxhash.xxh3_128()
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _magic(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4)


def is_zip(path: Path) -> bool:
    """Named .zip, or a zip whatever its name (GDELT mirrors do rename files)."""
    return path.suffix.lower() == ".zip" or _magic(path) == b"PK\x03\x04"


@contextlib.contextmanager
def plain_file(path: Path, workdir: Path, name: str) -> Iterator[PlainFile]:
    """Yield the input as a plain file; a zip's single member is extracted to `workdir`.

    `name` is how errors refer to the input (the path or URL the user gave)."""
    size = path.stat().st_size
    if _magic(path)[:2] == b"\x1f\x8b":
        raise SourceError(f"{name}: gzip-compressed; pivotwatch reads plain or .zip exports, "
                          "so gunzip it first")
    if not is_zip(path):
        digest, n = hash_file(path)
        yield PlainFile(path, digest, n, size)
        return
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="unzip-") as tmp:
        target = Path(tmp) / "member"
        h = xxhash.xxh3_128()
        n = 0
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise SourceError(
                        f"{name}: expected one file in the zip, found {len(members)}"
                    )
                with zf.open(members[0]) as src, target.open("wb") as dst:
                    while chunk := src.read(CHUNK):
                        h.update(chunk)
                        n += len(chunk)
                        dst.write(chunk)
        except SourceError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            reason = str(exc).strip() or type(exc).__name__
            raise SourceError(f"{name}: not a readable zip ({reason})") from exc
        yield PlainFile(target, h.hexdigest(), n, size)


def sniff_widths(path: Path, lines: int = 50) -> list[int]:
    """Tab-separated column counts of the first non-empty lines."""
    widths: list[int] = []
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                widths.append(raw.count(b"\t") + 1)
            if len(widths) >= lines:
                break
    return widths
