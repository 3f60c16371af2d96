"""The arrows between the apps (pyproject.toml, [tool.importlinter]): data flows one way, the scoring engine
imports no Django, the shared modules import no app, nothing but the API imports the API.

Run in a process of its own: import-linter reconfigures logging (disabling the loggers that exist), which
would silence the log records later tests of the same process look for."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
