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
"""A sheet of people to onboard (name, e-mail, mobile, region code, role); its apply runs in the request (about
12 ms a row), so the rows are bounded to keep it well under the server's 30-second timeout: a province at a time."""
PEOPLE_FILE_MAX_ROWS = 2_000
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

IMPORT_UPLOAD_LIFETIME = 24 * 3600
"""Seconds an uploaded values workbook waits between its dry run and its apply before it is removed."""
