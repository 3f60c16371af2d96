"""Type-check the project with mypy and hold it to the baseline: `.venv/bin/python scripts/mypy-check.py`.

mypy checks the files and with the settings of `[tool.mypy]` in pyproject.toml. Its errors are compared with
`mypy-baseline.txt`, one line per tolerated error: the file, the error code and the message, without the line
number, so that editing elsewhere in a file does not disturb it. The same line appears once per occurrence.

- An error that the baseline does not hold fails the check: fix it (the baseline is not for new code).
- A baseline line that no longer matches an error fails the check too, so that the baseline only shrinks:
  run with `--update` to drop the lines of the errors fixed. `--update` never adds a line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
HEADER = (
    "# Errors mypy still reports that need a change of behaviour (or a deeper rewrite) to fix; see\n"
    "# scripts/mypy-check.py. Fixing one? Run `.venv/bin/python scripts/mypy-check.py --update`.\n"
)
ERROR = re.compile(
    r"^(?P<path>[^:\s]+\.pyi?):(?P<line>\d+)(?::\d+)?: error: (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
LINE_NUMBER = re.compile(r"\bline \d+\b")


def run_mypy() -> list[tuple[str, str]]:
    """(baseline key, location) of every error mypy reports."""
    os.chdir(ROOT)  # paths as pyproject.toml and the baseline have them
    stdout, stderr, status = api.run(["--no-pretty", "--no-color-output", "--show-error-codes", "--no-error-summary",
                                      "--hide-error-context"])
    if status not in (0, 1) or stderr:
        sys.stderr.write(stdout + stderr)
        raise SystemExit(f"mypy could not run (exit status {status})")
    errors = []
    for line in stdout.splitlines():
        if match := ERROR.match(line):
            key = f"{match['path']}: [{match['code'] or 'misc'}] {LINE_NUMBER.sub('line N', match['message'])}"
            errors.append((key, f"{match['path']}:{match['line']}"))
        elif ": error: " in line:
            raise SystemExit(f"mypy-check: cannot read this error line: {line}")
    return errors


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write_baseline(keys: Counter[str]) -> None:
    BASELINE.write_text(HEADER + "".join(f"{key}\n" for key in sorted(keys.elements())), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="drop the baseline lines of errors that are fixed")
    args = parser.parse_args()

    errors = run_mypy()
    current = Counter(key for key, _where in errors)
    baseline = read_baseline()
    new = current - baseline
    fixed = baseline - current

    if new:
        print(f"mypy: {sum(new.values())} error(s) not in the baseline; fix them:")
        for key, count in sorted(new.items()):
            where = ", ".join(w for k, w in errors if k == key)
            held = f" ({baseline[key]} of these are baselined)" if baseline[key] else ""
            print(f"  {key}\n    {count} new{held}; at {where}")
    if fixed and args.update and not new:
        baseline -= fixed
        write_baseline(baseline)
        print(f"mypy: {sum(fixed.values())} fixed error(s) dropped from {BASELINE.name}.")
        fixed = Counter()
    elif fixed:
        print(f"mypy: {sum(fixed.values())} baseline line(s) no longer match an error (fixed? then run "
              f"`.venv/bin/python scripts/mypy-check.py --update`):")
        for key in sorted(fixed.elements()):
            print(f"  {key}")
    if new or fixed:
        return 1
    print(f"mypy: no new errors ({sum(baseline.values())} baselined in {BASELINE.name}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
