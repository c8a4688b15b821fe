"""`tessera preset`: make a base from a preset, save a base as one, list the presets.

tessera preset apply crm [--locale zh-CN|en] [--demo-rows N] [--base-name NAME] [--if-missing]
tessera preset export --base NAME [--out FILE]
tessera preset list
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

import engine
from engine import meta
from schemas.preset import LOCALES, Preset, PresetError


def register(sub: Any) -> None:
    """Add the `preset` command to the `tessera` command line's subparsers."""
    p = sub.add_parser("preset", help="create a base from a preset, or save a base as one")
    ps = p.add_subparsers(dest="preset_command", required=True)
    a = ps.add_parser("apply", help="create a base from a preset (e.g. crm)")
    a.add_argument("name", help="a preset that ships with Tessera (crm) or a preset file")
    a.add_argument("--locale", choices=LOCALES, default="zh-CN", help="language of the names")
    a.add_argument(
        "--demo-rows", type=int, default=0, metavar="N", help="add demo data: N customers"
    )
    a.add_argument("--base-name", help="name of the new base (default: the preset's)")
    a.add_argument("--seed", type=int, default=None, help="seed of the demo data")
    a.add_argument("--today", type=dt.date.fromisoformat, help="the demo data's today (YYYY-MM-DD)")
    a.add_argument(
        "--if-missing", action="store_true", help="leave an existing base of that name as it is"
    )
    a.set_defaults(func=cmd_apply)
    e = ps.add_parser("export", help="write a base out as a preset file")
    e.add_argument("--base", required=True, help="the base's name or id")
    e.add_argument("--out", help="the file to write (default: standard output)")
    e.set_defaults(func=cmd_export)
    ls = ps.add_parser("list", help="the presets that ship with Tessera")
    ls.set_defaults(func=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    from views.presets import available, load_preset

    for name in available():
        preset, _ = load_preset(name)
        en, _ = load_preset(name, "en")
        print(f"{name}\t{preset.name} / {en.name}")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from views.presets import apply_preset, load_preset

    try:
        preset, _ = load_preset(args.name, args.locale)
        with engine.connect(args.db) as db:
            name = args.base_name or preset.name
            if args.if_missing and _base_exists(db, name):
                print(f"Base {name!r} exists; left as it is. / 库 {name!r} 已存在，未改动。")
                _sign_ins(db, preset)
                return 0
            extra: dict[str, Any] = {"seed": args.seed} if args.seed is not None else {}
            started = time.monotonic()
            with _Progress() as progress:
                result = apply_preset(
                    db,
                    args.name,
                    locale=args.locale,
                    demo_rows=args.demo_rows,
                    base_name=args.base_name,
                    today=args.today,
                    progress=progress,
                    **extra,
                )
            took = time.monotonic() - started
            tables = result.base.tables()
            print(
                f"Created base {result.base.name!r} (base {result.base.id}) from preset "
                f"{args.name} ({args.locale}) in {took:.1f} s: {len(tables)} tables, "
                f"{len(preset.views) - _count(result.skipped, 'view')} views, "
                f"{len(preset.saved_filters) - _count(result.skipped, 'saved filter')} "
                "saved filters"
            )
            if result.demo:
                shown = ", ".join(f"{t} {n:,}" for t, n in result.demo.items())
                print(f"Demo data / 演示数据: {shown}")
            if result.skipped:
                print("Left out — the engine cannot express them yet / 引擎暂不支持，未创建:")
                for line in result.skipped:
                    print(f"  - {line}")
            if result.users:
                _sign_ins(db, preset)
    except PresetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _count(skipped: list[str], kind: str) -> int:
    return sum(1 for s in skipped if s.startswith(kind + " "))


def _base_exists(db: engine.Database, name: str) -> bool:
    try:
        db.base(name)
    except engine.NotFound:
        return False
    return True


def _sign_ins(db: engine.Database, preset: Preset) -> None:
    """The demo users of the preset's roles that exist in this database."""
    rows = []
    for role in preset.roles:
        if role.demo_user is None:
            continue
        with db.read() as conn:
            found = conn.execute(
                select(meta.users.c.id).where(meta.users.c.email == role.demo_user.email.lower())
            ).scalar()
        if found is not None:
            rows.append((role.name, role.demo_user.name, role.demo_user.email))
    if not rows:
        return
    print("Demo users / 演示账号 (to sign in as one: tessera user password --email EMAIL):")
    for role_name, name, email in rows:
        print(f"  {role_name:<8} {name:<16} {email}")


def cmd_export(args: argparse.Namespace) -> int:
    from views.presets import export_preset

    with engine.connect(args.db) as db:
        ref: str | int = int(args.base) if args.base.isdecimal() else args.base
        data = export_preset(db, ref)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


class _Progress:
    """A progress bar for the demo data (tqdm; none when the output is not a terminal)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(
                total=total, desc=f"Demo data / 演示数据 ({what})", unit="", disable=None
            )
        self.bar.update(done - self.bar.n)
