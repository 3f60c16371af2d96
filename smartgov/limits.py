"""Every size limit on what users send, in one place: notes, uploads, workbooks, rows.

The evidence size limit is a setting (`EVIDENCE_MAX_BYTES`, from the environment); the rest are fixed here.
"""

NOTE_MAX_LENGTH = 2000
"""Characters of a value's note (longer notes are cut)."""
COMMENT_MAX_LENGTH = 2000
"""Characters of a review comment, overall or on one indicator."""
FILE_NAME_MAX_LENGTH = 255

VALUES_WORKBOOK_MAX_BYTES = 5 * 1024 * 1024
"""A filled-in values template (one submission or a whole province)."""
VALUES_WORKBOOK_MAX_ROWS = 20_000
SATISFACTION_FILE_MAX_BYTES = 20 * 1024 * 1024
"""A file of good/bad ratings or 12345 hotline figures (CSV or .xlsx)."""
SATISFACTION_FILE_MAX_ROWS = 200_000
PEOPLE_FILE_MAX_BYTES = 1024 * 1024
"""A sheet of people to onboard (name, e-mail, mobile, region code, role): 10,000 rows of it are about 260 KB."""
PEOPLE_FILE_MAX_ROWS = 10_000
"""A whole province in one sheet, with room: the largest, Sichuan, has 21 prefectures and 183 counties, so 10,000
rows are about 50 roles per region (Guangdong's 143 regions: 70). Its dry run runs in the request (1.5 s for 10,000
rows), its apply in the background under a 600-second limit (about 6 ms a row, a minute for 10,000:
benchmarks/people_import.py)."""
PARTICIPANTS_FILE_MAX_BYTES = 1024 * 1024
"""A list of the regions that take part in a cycle (CSV or .xlsx)."""
PARTICIPANTS_FILE_MAX_ROWS = 10_000
GROUPS_FILE_MAX_BYTES = 2 * 1024 * 1024
"""A cycle's comparison groups (CSV or .xlsx: group code, names, region code)."""
GROUPS_FILE_MAX_ROWS = 20_000
REGIONS_FILE_MAX_BYTES = 20 * 1024 * 1024
"""A region register file (China's whole tree is about 0.4 MB)."""
EXTENSION_REASON_MAX_LENGTH = 500
"""Characters of the reason given for extending a participant's deadline."""
WORKBOOK_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Any .xlsx the platform opens: a small zip may unpack to far more, so its unpacked size is bounded first."""

# Every .xlsx the platform opens or stores goes through `smartgov.workbooks.check_workbook` first, which reads only
# the zip's directory and streams each XML part once, never holding one whole: a workbook of a few hundred KB can
# otherwise unpack to gigabytes (a deflate bomb) or to millions of strings that openpyxl keeps in memory (a shared-
# strings bomb, 73 s and 1.1 GB for one upload). openpyxl reads about 60,000 shared strings and 70,000 cells a
# second on a busy 2-core machine, keeps every shared string and builds an object per style, so these bound its
# time and memory as well as the bytes. The largest legitimate file is a satisfaction file of 200,000 rows
# (SATISFACTION_FILE_MAX_ROWS): as openpyxl or an exporter writes it, with inline strings, eight columns are a
# 77 MB sheet of 1.6 million cells and 4 million XML elements, read in 20–35 s (the check: 3–6 s of it).
WORKBOOK_MAX_PARTS = 2_000
"""Parts (files) in the workbook's zip. Excel writes a few dozen; 255 sheets with their drawings are about a
thousand. Checked from the zip's end record before its directory is read."""
WORKBOOK_MAX_SHEET_BYTES = 100 * 1024 * 1024
"""One sheet's XML unpacked (openpyxl streams sheets; the 200,000-row satisfaction file above is 77 MB)."""
WORKBOOK_MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
"""The shared-strings part unpacked: openpyxl holds every one of its strings in memory."""
WORKBOOK_MAX_PART_BYTES = 16 * 1024 * 1024
"""Any other part unpacked (styles, workbook, properties, images…): openpyxl reads such a part whole."""
WORKBOOK_MAX_RATIO = 100
"""Unpacked size over packed size, of each part and of the whole file (a deflate bomb is ~1,000). Sheet XML packs
10–20 times; 100 is also Apache POI's limit. Parts under WORKBOOK_RATIO_FLOOR_BYTES are not checked."""
WORKBOOK_RATIO_FLOOR_BYTES = 1024 * 1024
"""Below this unpacked size a part (or a whole file) is harmless whatever its ratio."""
WORKBOOK_MAX_SHARED_STRINGS = 500_000
"""Distinct texts in the shared strings (counted while streaming, stopped at the limit): two or three per row of the
largest satisfaction file; openpyxl takes about 8 s and 50 MB for this many."""
WORKBOOK_MAX_SHARED_STRING_ELEMENTS = 3 * WORKBOOK_MAX_SHARED_STRINGS
"""XML elements in the shared strings: a string's text and a phonetic or rich-text run or two (openpyxl takes about
8 µs per element there)."""
WORKBOOK_MAX_CELLS = 2_000_000
"""Cells in all the sheets together: 200,000 rows of ten columns. openpyxl needs about 30 s for this many on a busy
machine, the server's timeout: a bound on what one upload can cost, not a promise that such a file is read in
time."""
WORKBOOK_MAX_ROWS = 1_048_576
"""Excel's own limits: a row number or a column beyond them (or a row of more cells) is refused."""
WORKBOOK_MAX_COLUMNS = 16_384
WORKBOOK_MAX_SHEET_SPAN = 32 * 1024 * 1024
"""Rows × columns a sheet spans (its declared dimension, or its last row × its widest row): openpyxl hands every row
padded to that width and fills missing rows, so a nearly empty sheet that claims A1:XFD1048576 would be 17 billion
cells. Excel's 1,048,576 rows of 32 columns fit."""
WORKBOOK_MAX_XML_ELEMENTS = 5_000_000
"""XML elements in the whole workbook (the 200,000-row satisfaction file above has 4 million)."""
WORKBOOK_MAX_PART_ELEMENTS = 250_000
"""XML elements of any one part outside the sheets' rows and the shared strings (styles, the workbook, a sheet's
merged cells, links and validations…): openpyxl builds an object of each. Excel allows at most 64,000 styles."""
WORKBOOK_MAX_ROW_ELEMENTS = 4 * WORKBOOK_MAX_COLUMNS
"""XML elements in one row of a sheet or one shared string, which openpyxl builds whole before using it."""
WORKBOOK_MAX_TOKEN_BYTES = 1024 * 1024
"""Bytes of XML between two elements (a text, a comment, one tag): a cell holds at most 32,767 characters. Bounds
what the XML parser must buffer at once."""

IMPORT_UPLOAD_LIFETIME = 24 * 3600
"""Seconds an uploaded values workbook waits between its dry run and its apply before it is removed."""
