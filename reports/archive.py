"""A ZIP of stored files, streamed while it is written: nothing is assembled in memory or on disk first, so a
national batch of thousands of PDFs starts downloading at once and costs the web worker a few chunks of memory."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from typing import IO

from django.utils import timezone

CHUNK = 64 * 1024


class _Pipe:
    """The file zipfile writes to: keeps what it is given until the stream takes it (it cannot seek back, so
    zipfile writes each member's sizes after its data)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_stream(members: Iterable[tuple[str, IO[bytes]]]) -> Iterator[bytes]:
    """The bytes of a ZIP of `members` — (name in the archive, open binary file), each file closed once copied
    — as they are written. Names must be plain file names (see reports.models.safe_file_name). PDFs hardly
    compress: stored, not deflated."""
    pipe = _Pipe()
    stamp = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        for name, handle in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            with handle, archive.open(info, "w", force_zip64=True) as member:
                while chunk := handle.read(CHUNK):
                    member.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()
