#!/usr/bin/env python3
"""Fails when a lower module of Kassa imports a higher one.

The stack, bottom to top (a module may use those listed for it, and itself):

    money, trustly          nothing of Kassa
    sandbox                 trustly, money
    config, db              money, trustly
    traders                 config, db, money, trustly, mail
    mail                    config, db, money
    api                     money, traders (shared shapes; browser too)
    wallet                  traders and everything below
    backoffice              wallet and everything below
    merchant                config, sandbox, trustly
    state                   wallet and below, merchant (AppState)
    errors                  backoffice and below, state (errors -> AppError)
    app                     everything except web (the pages)
    web                     anything (the router serves the pages)

Every `crate::<module>` path in src/<module>/ (or src/<module>.rs) is checked,
including the names inside `use crate::{ ... }` groups. Test code counts too:
a lower module's tests must not need a higher one either.

KNOWN_DEBTS lists the edges issue 10 still has to remove. An edge in it that
no longer occurs is reported too, so the list only ever shrinks.
"""

import pathlib
import re
import sys

BASE = {"money": set(), "trustly": {"money"}}
ALLOWED = {
    "money": set(),
    "trustly": set(),
    "sandbox": {"trustly", "money"},
    "config": {"money", "trustly"},
    "db": {"money", "trustly"},
    "mail": {"config", "db", "money"},
    "traders": {"config", "db", "money", "trustly", "mail"},
    "api": {"money", "traders"},
    "wallet": {"api", "traders", "mail", "config", "db", "money", "trustly"},
    "backoffice": {"api", "wallet", "traders", "mail", "config", "db", "money", "trustly"},
    "merchant": {"config", "sandbox", "trustly", "money"},
    "state": {"api", "wallet", "traders", "mail", "config", "db", "money", "trustly", "merchant"},
    "errors": {"api", "backoffice", "wallet", "traders", "mail", "config", "db", "money", "trustly",
               "state"},
    "web": None,  # the top: anything
    "app": {"api", "backoffice", "wallet", "traders", "mail", "config", "db", "money", "trustly",
            "merchant", "sandbox", "state", "errors"},
    "lib": None,
    "main": None,
}

# (from, to): two-way dependencies that remain until the shared view types
# leave `app` (issue 10). Remove an entry when its edge is gone.
KNOWN_DEBTS: set[tuple[str, str]] = set()

ROOT = pathlib.Path(__file__).resolve().parent.parent / "src"


def module_of(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".rs")


def group_names(text: str, start: int) -> list[str]:
    """Top-level first identifiers of the `{ ... }` group opening at start."""
    depth, names, current = 0, [], ""
    for ch in text[start:]:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                names.append(current)
                break
        if depth == 1 and ch == ",":
            names.append(current)
            current = ""
        elif depth >= 1:
            current += ch
    out = []
    for n in names:
        m = re.match(r"\s*([a-z_][a-z0-9_]*)", n)
        if m and m.group(1) != "self":
            out.append(m.group(1))
    return out


def imports(text: str) -> set[str]:
    found = set()
    for m in re.finditer(r"\bcrate::", text):
        rest = text[m.end():]
        if rest.startswith("{"):
            found.update(group_names(text, m.end()))
        else:
            ident = re.match(r"[a-z_][a-z0-9_]*", rest)
            if ident:
                found.add(ident.group(0))
    return found


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def main() -> int:
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(ROOT.rglob("*.rs")):
        here = module_of(path)
        for there in imports(strip_comments(path.read_text())):
            if there == here or there not in ALLOWED:
                continue
            edges.setdefault((here, there), []).append(str(path.relative_to(ROOT.parent)))
    errors = []
    for (here, there), files in sorted(edges.items()):
        allowed = ALLOWED.get(here)
        if allowed is None or there in allowed:
            continue
        if (here, there) in KNOWN_DEBTS:
            continue
        errors.append(f"{here} must not use {there}: {', '.join(sorted(set(files)))}")
    for debt in sorted(KNOWN_DEBTS):
        if debt not in edges:
            errors.append(f"known debt {debt[0]} -> {debt[1]} is gone: remove it from KNOWN_DEBTS")
    if errors:
        print("module layering check failed:", *errors, sep="\n  ")
        return 1
    debts = ", ".join(f"{a} -> {b}" for a, b in sorted(KNOWN_DEBTS))
    print(f"module layering: one-way except the known debts ({debts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
