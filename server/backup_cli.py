"""`tessera backup` and `tessera restore`: the database and its attachments in one archive.

tessera backup --out FILE       (SQLite: online backup API; PostgreSQL: pg_dump custom format)
tessera restore FILE            (replaces the database's contents and attachments)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine import backup
from engine.api import default_data_dir


def register(sub: Any) -> None:
    """Add the `backup` and `restore` commands to the `tessera` command line's subparsers."""
    b = sub.add_parser("backup", help="write the database and its attachments to one file")
    b.add_argument("--out", required=True, type=Path, help="the archive to write (a .tar file)")
    b.add_argument("--data-dir", type=Path, help="the attachments (default: beside the database)")
    b.set_defaults(func=cmd_backup)
    r = sub.add_parser("restore", help="replace the database and attachments with a backup")
    r.add_argument("file", type=Path, help="an archive written by `tessera backup`")
    r.add_argument("--data-dir", type=Path, help="the attachments (default: beside the database)")
    r.set_defaults(func=cmd_restore)


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir(args.db)


def cmd_backup(args: argparse.Namespace) -> int:
    files = _data_dir(args)
    m = backup.backup(args.db, args.out, files if files.exists() else None)
    print(
        f"Backup of the {m.backend} database (revision {m.revision}) and {m.files} attachment "
        f"files written to {args.out} / 已备份到 {args.out}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    if not Path(args.file).is_file():
        raise backup.BackupError(f"No file {str(args.file)!r}", f"没有文件 {str(args.file)!r}")
    m = backup.restore(args.file, args.db, _data_dir(args))
    print(
        f"Restored the backup of {m.created_at} ({m.files} attachment files) / "
        f"已从 {m.created_at} 的备份恢复"
    )
    return 0
