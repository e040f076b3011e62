"""``stylecam styles``: the shipped and user-trained styles with their metadata."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("styles", help="list the available styles")
    p.add_argument("--json", action="store_true", help="print the full metadata as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from models.registry import list_styles

    styles = list_styles()
    if args.json:
        print(json.dumps([{"name": s.name, "path": str(s.path), "shipped": s.shipped, **s.meta} for s in styles],
                         indent=2, sort_keys=True))
        return 0
    if not styles:
        print("no styles found")
        return 0
    for s in styles:
        m = s.meta
        work = ", ".join(str(x) for x in (m.get("artist"), m.get("title"), m.get("year")) if x)
        where = "shipped" if s.shipped else "user"
        tier = m.get("tier", "?")
        print(f"{s.name:<16} {tier:<8} {where:<8} {work}")
        print(f"{'':<16} {s.path}")
    return 0
