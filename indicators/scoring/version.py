"""Which engine computed a result: recorded with every score run and every publication, so that a published
index can be traced to the exact code that produced it."""

import hashlib
from functools import cache
from pathlib import Path

ENGINE = Path(__file__).resolve().parent


@cache
def engine_version() -> str:
    """`engine-<first 16 hex digits of the SHA-256 of the engine's source files>`: changes whenever any formula
    of the engine changes, and only then."""
    digest = hashlib.sha256()
    for path in sorted(ENGINE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"engine-{digest.hexdigest()[:16]}"
