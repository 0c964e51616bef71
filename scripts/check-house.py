#!/usr/bin/env python3
"""Fails when a room of the house grows past what one can hold in one's head.

- No file in src/ over MAX_FILE lines.
- No function over MAX_FN lines unless its doc comment (or the comment just
  above it) gives the reason, in a line starting with `Long because`: a
  view tree that reads best in one piece, a table of settings. Every other
  long function is split along its seams.

KNOWN_LONG lists the long functions issue 10 still has to split (each
names its file and function); the list can only shrink: an entry that is no
longer long is reported too.

Run by the test command beside check-layers.py.
"""

import pathlib
import re
import sys

MAX_FILE = 600
MAX_FN = 80
KNOWN_LONG: set[tuple[str, str]] = {
    ("src/backoffice/overview.rs", "overview"),
    ("src/backoffice/traders.rs", "act"),
    ("src/wallet/ledger.rs", "post"),
    ("src/wallet/notifications/effects.rs", "apply"),
    ("src/wallet/notifications/mod.rs", "process"),
    ("src/wallet/withdrawals/requests.rs", "request"),
    ("src/wallet/withdrawals/worker.rs", "round"),
}
ROOT = pathlib.Path(__file__).resolve().parent.parent / "src"
FN = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_of(line: str) -> str:
    """The line without string literals and comments (for brace counting)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return re.sub(r"//.*", "", line)


def fn_length(lines: list[str], start: int) -> int:
    depth, opened = 0, False
    for j in range(start, len(lines)):
        code = code_of(lines[j])
        if not opened and code.rstrip().endswith(";"):
            return 0  # a declaration without a body
        for ch in code:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
        if opened and depth <= 0:
            return j - start + 1
    return 0


def reason_above(lines: list[str], start: int) -> bool:
    j = start - 1
    while j >= 0 and (lines[j].strip().startswith(("///", "//", "#[")) or not lines[j].strip()):
        if re.match(r"\s*//+\s*Long because", lines[j]):
            return True
        if not lines[j].strip():
            break
        j -= 1
    return False


def main() -> int:
    problems, known_seen = [], set()
    for path in sorted(ROOT.rglob("*.rs")):
        lines = path.read_text().split("\n")
        rel = path.relative_to(ROOT.parent)
        if len(lines) > MAX_FILE:
            problems.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE}); split it along a seam")
        for i, line in enumerate(lines):
            m = FN.match(line)
            if not m:
                continue
            n = fn_length(lines, i)
            if n > MAX_FN and (str(rel), m.group(6)) in KNOWN_LONG:
                known_seen.add((str(rel), m.group(6)))
            elif n > MAX_FN and not reason_above(lines, i):
                problems.append(
                    f"{rel}:{i + 1}: fn {m.group(6)} is {n} lines (at most {MAX_FN}, "
                    "or say `/// Long because ...` above it)"
                )
    for file, name in sorted(KNOWN_LONG - known_seen):
        problems.append(f"{file}: fn {name} is no longer long: remove it from KNOWN_LONG")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(
        f"house: no file over {MAX_FILE} lines, no unexplained function over {MAX_FN} "
        f"except the {len(KNOWN_LONG)} known ones still to split"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
