"""The `tessera` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

import engine

from . import automation_cli, backup_cli, import_cli, preset_cli, user_cli

DEFAULT_DB = "sqlite:///tessera.db"


def _db(args: argparse.Namespace) -> engine.Database:
    return engine.connect(args.db)


def _shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database URL"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    app = create_app(_db(args), scheduler=True)
    print(f"Tessera serving {args.db} at http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    with _db(args) as db:
        bases = [db.base(args.base)] if args.base else db.bases()
        if not bases:
            print("No bases yet / 还没有库")
        for base in bases:
            print(f"{base.name}  (base {base.id})")
            for table in base.tables():
                s = table.schema()
                print(f"  {s.name}  (table {s.id}, {table.count()} records)")
                for f in s.fields:
                    mark = "*" if f.id == s.primary_field_id else " "
                    rules = f.rules.model_dump(exclude_defaults=True)
                    extra = f"  rules={rules}" if rules else ""
                    print(f"   {mark} {f.name}: {f.type.name}{extra}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tessera", description="Tessera multidimensional tables")
    p.add_argument(
        "--db",
        default=os.environ.get("TESSERA_DATABASE_URL", DEFAULT_DB),
        help="database URL (default: $TESSERA_DATABASE_URL or sqlite:///tessera.db)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the web interface")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("schema", help="print bases, tables and fields")
    s.add_argument("base", nargs="?", help="only the base of this name")
    s.set_defaults(func=cmd_schema)
    preset_cli.register(sub)
    user_cli.register(sub)
    import_cli.register(sub)
    backup_cli.register(sub)
    automation_cli.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except engine.TesseraError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except SQLAlchemyError as e:
        reason = getattr(e, "orig", None) or e
        print(f"error: cannot use {_shown_url(args.db)}: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
