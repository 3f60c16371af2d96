"""Evidence for tests: small files, and what a filled submission needs before it may be submitted.

The default framework marks nine indicators "evidence required" (docs/framework.md): a submission is refused
until each has a file. `with_required_evidence(fill(submission))` gives them one, as `fill` gives values;
`explain_warnings` adds the notes that generated values may need.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Evidence, Submission
from assessments.selectors import submission_findings_of
from assessments.services import Entry, values_save

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.")


def pdf_upload(name="证明材料.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


def with_required_evidence(submission: Submission) -> Submission:
    """Every indicator marked "evidence required" that has no file yet given a small PDF of its own (written
    directly, not through a service, as `fill` writes values); returns the submission."""
    present = set(submission.evidence.filter(indicator__isnull=False).values_list("indicator_id", flat=True))
    for indicator in submission.cycle.framework.indicators.filter(evidence_required=True).exclude(pk__in=present):
        content = PDF + f"% {indicator.code}\n".encode()
        name = f"{indicator.code}.pdf"
        evidence = Evidence(submission=submission, indicator=indicator, original_name=name,
                            content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest())
        evidence.file.save(name, ContentFile(content), save=False)
        evidence.save()
    return submission


def explain_warnings(submission: Submission, actor) -> Submission:
    """A note on every indicator of a broken warning rule or an unexplained anomaly (they block until explained),
    saved by `actor`; returns the submission as it now is."""
    submission.refresh_from_db()
    values = dict(submission.values.values_list("indicator__code", "value"))
    notes = {code: Entry(values[code], "已核实统计口径。") for f in submission_findings_of(submission)
             if f.kind in ("rule_warning", "anomaly") for code in f.indicators}
    if notes:
        values_save(submission=submission, entries=notes, actor=actor, expected_version=submission.version)
        submission.refresh_from_db()
    return submission
