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
WORKBOOK_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Any .xlsx the platform opens: a small zip may unpack to far more, so its unpacked size is bounded first."""

IMPORT_UPLOAD_LIFETIME = 24 * 3600
"""Seconds an uploaded values workbook waits between its dry run and its apply before it is removed."""
