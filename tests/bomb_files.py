"""Workbook bombs for the tests and the benchmark: real .xlsx files made by openpyxl, whose zip is then rewritten
so that one part unpacks to far more than the file's size, holds millions of strings, declares entities, or the
zip holds thousands of parts. Each is built in memory in about a second, without ever holding the unpacked part.

The zip is written here by hand (local headers, central directory, end record) so that a part's compressed bytes
can be given as they are: a deflate bomb is one compressed megabyte of spaces repeated (after a full flush a
deflate stream starts afresh, so the same bytes decode again) rather than a gigabyte compressed for real.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
RELATIONS = "xl/_rels/workbook.xml.rels"
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Member:
    """A zip part as written: its deflated bytes, CRC-32 and unpacked size."""

    packed: bytes
    crc: int
    size: int


def deflated(chunks: Iterable[bytes]) -> Member:
    """The part made of `chunks`, deflated a chunk at a time (never joined)."""
    compressor, packed, crc, size = zlib.compressobj(6, zlib.DEFLATED, -15), [], 0, 0
    for chunk in chunks:
        packed.append(compressor.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    packed.append(compressor.flush())
    return Member(b"".join(packed), crc, size)


def plain_workbook(rows: int = 3) -> bytes:
    """A small real workbook with texts (so that it has shared strings) and numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["服务事项", "渠道", "评分"])
    for number in range(rows):
        sheet.append([f"服务事项{number}", "窗口", number % 5 + 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_shared_strings(strings: bytes | Member) -> bytes:
    """A small real workbook whose texts are in the shared strings `strings` (openpyxl writes inline strings): the
    part declared in the content types and the workbook's relations, the sheet's cells referring to it."""
    with zipfile.ZipFile(io.BytesIO(plain_workbook())) as archive:
        types, relations = archive.read("[Content_Types].xml").decode(), archive.read(RELATIONS).decode()
    types = types.replace("</Types>", f'<Override PartName="/{SHARED_STRINGS}" ContentType="application/vnd.'
                                      f'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    relations = relations.replace("</Relationships>", '<Relationship Id="rId9" Target="sharedStrings.xml" Type='
                                  '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                  'sharedStrings"/></Relationships>')
    sheet = (f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:B1"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v>'
             f'</c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>')
    return repack(plain_workbook(), {"[Content_Types].xml": types.encode(), RELATIONS: relations.encode(),
                                     SHEET: sheet.encode(), SHARED_STRINGS: strings})


def repack(data: bytes, parts: dict[str, bytes | Member]) -> bytes:
    """The workbook `data` with `parts` replaced or added (bytes are deflated here; a Member is written as is)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members.update(parts)
    return write_zip({name: content if isinstance(content, Member) else deflated([content])
                      for name, content in members.items()})


def write_zip(members: dict[str, Member]) -> bytes:
    out, directory = io.BytesIO(), []
    for name, member in members.items():
        encoded, offset = name.encode(), out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, member.crc, len(member.packed),
                              member.size, len(encoded), 0) + encoded)
        out.write(member.packed)
        directory.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, member.crc,
                                     len(member.packed), member.size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(directory), len(directory), out.tell() - start,
                          start, 0))
    return out.getvalue()


def shared_strings_xml(strings: Iterable[bytes]) -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}">'.encode()
    yield from strings
    yield b"</sst>"


def shared_strings_bomb(unpacked: int = 187 * MIB) -> bytes:
    """A workbook of about 0.5 MB whose shared strings unpack to `unpacked` bytes: some ten million short strings
    (openpyxl: 73 s and 1.1 GB before this check)."""

    def strings() -> Iterable[bytes]:
        written = number = 0
        while written < unpacked:
            batch = []
            for _ in range(4096):
                number += 1
                batch.append(b"<si><t>%d</t></si>" % number if number % 800 == 0 else b"<si><t>ok</t></si>")
            chunk = b"".join(batch)
            written += len(chunk)
            yield chunk

    return with_shared_strings(deflated(shared_strings_xml(strings())))


def deflate_bomb(unpacked: int = 1024 * MIB) -> bytes:
    """A workbook of about 1 MB whose sheet unpacks to `unpacked` bytes: spaces (allowed before the root element),
    then a real sheet. Written from one deflated megabyte repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    spaces = b" " * MIB
    piece = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'.encode()
    megabytes, crc = unpacked // MIB, 0
    for _ in range(megabytes):
        crc = zlib.crc32(spaces, crc)
    member = Member(piece * megabytes + compressor.compress(sheet) + compressor.flush(), zlib.crc32(sheet, crc),
                    megabytes * MIB + len(sheet))
    return repack(plain_workbook(), {SHEET: member})


def entity_bomb() -> bytes:
    """Billion laughs in the shared strings: ten levels of entities, each ten of the one below."""
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE sst [{"".join(levels)}]>\n'
           f'<sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>')
    return with_shared_strings(xml.encode())


def parts_bomb(parts: int = 5000) -> bytes:
    """A workbook with `parts` more tiny parts."""
    return repack(plain_workbook(), {f"customXml/item{n}.xml": b"<a/>" for n in range(parts)})


def sheet_with(sheet_data: str, dimension: str | None = None) -> bytes:
    """A workbook whose first sheet is `sheet_data` (the XML inside <sheetData>), with that dimension."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    xml = f'<worksheet xmlns="{MAIN_NS}">{declared}<sheetData>{sheet_data}</sheetData></worksheet>'
    return repack(plain_workbook(), {SHEET: xml.encode()})


# Run in a fresh interpreter once Django, openpyxl and the file are loaded: the peak resident memory (VmHWM) is reset
# (Linux: clear_refs 5), the refusal runs, and the new peak less the resident memory before is what it added. The
# same is done for a 64 MB string, to show that the measure sees such an allocation.
MEASURE = """
import json, sys, time
import django
django.setup()
import openpyxl  # noqa: F401  (loaded once by any server that has read a workbook)
from django.utils import translation
from smartgov.workbooks import UnreadableWorkbook, open_workbook

def memory(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(field + ":"))

def measured(action):
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass  # the peak is then the process's own so far: an overestimate
    before, start = memory("VmRSS"), time.perf_counter()
    result = action()
    return result, time.perf_counter() - start, memory("VmHWM") - before

def refuse():
    try:
        open_workbook(data)
    except UnreadableWorkbook as refused:
        return str(refused)

translation.activate("en")
data = open(sys.argv[1], "rb").read()
message, seconds, grown = measured(refuse)
ballast, _, calibration = measured(lambda: b"x" * (64 * 1024 * 1024))
print(json.dumps({"seconds": seconds, "grown_bytes": grown, "message": message, "calibration_bytes": calibration}))
"""


def measure_refusal(path: Path) -> dict:
    """Open the workbook at `path` with `open_workbook` in a fresh interpreter: the refusal's message (None if it
    opened), its seconds, the bytes it added to the peak resident memory, and the calibration (a 64 MB string)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartgov.settings", "PYTHONPATH": str(ROOT),
           "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
