"""`tessera automations`: list automations, and run the scheduled ones that are due (for cron).

tessera automations list [--base NAME]
tessera automations run [--base NAME]     # claim and run what is due now, once
"""

from __future__ import annotations

import argparse
from typing import Any

import engine


def register(sub: Any) -> None:
    a = sub.add_parser("automations", help="list automations, run the due scheduled ones")
    s = a.add_subparsers(dest="automations_command", required=True)
    ls = s.add_parser("list", help="list the automations of every base (or of one)")
    ls.add_argument("--base", help="only this base")
    ls.set_defaults(func=cmd_list)
    run = s.add_parser("run", help="run the scheduled automations that are due, once")
    run.add_argument("--base", help="only this base")
    run.set_defaults(func=cmd_run)


def _bases(db: engine.Database, name: str | None) -> list[engine.Base]:
    return [db.base(name)] if name else db.bases()


def cmd_list(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        for base in _bases(db, args.base):
            for a in base.automations():
                state = "on " if a.enabled else "off"
                due = f"  next {a.next_run_at:%Y-%m-%d %H:%M} UTC" if a.next_run_at else ""
                print(f"{base.name}  #{a.id}  [{state}]  {a.name}  ({a.kind}){due}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        base_id = db.base(args.base).id if args.base else None
        results = db.run_due_automations(base_id=base_id)
        for r in results:
            line = f"run {r.run_id}: {r.status}, {len(r.record_ids)} records"
            print(line + (f" — {r.error}" if r.error else ""))
        print(f"{len(results)} due / 个到期运行")
    return 0
