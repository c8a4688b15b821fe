"""Importing an .xlsx workbook end to end against reading it with the bare reader.

    .venv/bin/python benchmarks/import_xlsx.py [--rows 100000]

A workbook of `--rows` rows x 20 columns (text, Chinese names, mobiles stored as numbers,
amounts, dates, date-times, a choice, yes/no, emails, URLs, ...) is generated, with the sheet's
<dimension> as Excel saves it (`--no-dimension` leaves it out, as streaming writers do), then,
each in a fresh process so that peak memory is its own:

- bare: python-calamine opens the file and reads every row (no engine, no database): the
  baseline, a reader written in Rust that holds the whole sheet in memory;
- stream: the engine's own streaming reader (`engine.imports.xlsx`) parses the sheet into its
  spool and reads every row back (no database): what the import pays to read;
- import: `engine.imports.import_file` into a new SQLite file database — header detection,
  type inference over every value, validation, one transaction;
- import of a workbook twice as long, to show memory does not grow with the file.

Each of the first three runs `--repeats` times, interleaved, and the fastest run of each counts
(the machines are shared: a slow spell should not decide a ratio); `ratio_median` is the median
of the ratios of each repeat's import and bare read, run one after the other.

A large sheet is parsed by the importing process and a helper process together
(`engine.imports.helper`); the helper's CPU time counts in the CPU figures and its peak memory
is given on its own (`*_helper_peak_mb`).

Prints one JSON object: `import_rows_per_s`, `ratio` = import seconds / bare read seconds (lower
is better; `ratio_per_repeat` for each pair of runs), `cpu_ratio` the same for CPU seconds of
each process and its helper (steadier on a busy machine), `stream_ratio` = the streaming
reader's seconds / the bare read's, peak resident memory of each process (`*_peak_mb`) and
`doubled_peak_ratio` = peak memory importing twice the rows / once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import suppress
from pathlib import Path
from typing import Any

COLUMNS = [
    "订单号",
    "客户",
    "手机",
    "金额",
    "数量",
    "下单日期",
    "城市",
    "渠道",
    "已付款",
    "邮箱",
    "备注",
    "折扣",
    "积分",
    "等级",
    "商品",
    "SKU",
    "重量",
    "下单时间",
    "网址",
    "地址",
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京"]
CHANNELS = ["天猫", "京东", "抖音", "微信", "线下"]
LEVELS = ["普通", "银卡", "金卡", "钻石"]


def generate(path: Path, rows: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("订单")
    ws.append(COLUMNS)
    r = random.Random(7)
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        amount = WriteOnlyCell(ws, value=round(r.uniform(10, 5000), 2))
        amount.number_format = '"¥"#,##0.00'
        discount = WriteOnlyCell(ws, value=r.choice([0.05, 0.1, 0.15, 0.2]))
        discount.number_format = "0%"
        ws.append(
            [
                f"SO{i:08d}",
                f"客户{r.randrange(20000)}",
                13_000_000_000 + r.randrange(6_999_999_999),
                amount,
                r.randrange(1, 20),
                start + dt.timedelta(days=i % 500),
                r.choice(CITIES),
                r.choice(CHANNELS),
                r.choice(["是", "否"]),
                f"user{i}@example.com",
                f"第 {i} 单备注",
                discount,
                r.randrange(10000),
                r.choice(LEVELS),
                f"商品{r.randrange(300)}",
                f"SKU-{r.randrange(100000):06d}",
                round(r.uniform(0.1, 30), 1),
                dt.datetime(2024, 1, 1, 8) + dt.timedelta(minutes=17 * i),
                f"https://shop.example.com/o/{i}",
                f"{r.choice(CITIES)}市某区某路 {r.randrange(1, 999)} 号",
            ]
        )
    wb.save(path)


def add_dimension(path: Path, rows: int) -> None:
    """Write the sheet's used range as its <dimension>, as Excel saves it (openpyxl's write-only
    mode cannot know it up front and leaves it out): with it, the import scans the sheet's
    values while they are still being parsed. The part is copied a megabyte at a time, so that
    this process stays small (each run is a child of it)."""
    part = "xl/worksheets/sheet1.xml"
    moved = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != part:
                dst.writestr(item, src.read(item.filename))
                continue
            with src.open(item) as f, dst.open(part, "w", force_zip64=True) as out:
                head = f.read(1 << 16)
                at = head.index(b"<sheetViews>")
                out.write(head[:at] + f'<dimension ref="A1:T{rows + 1}"/>'.encode() + head[at:])
                shutil.copyfileobj(f, out, 1 << 20)
    moved.replace(path)


def child(mode: str, path: str, db_path: str) -> dict[str, Any]:
    if mode == "bare":
        import python_calamine as pc

        t, cpu = time.perf_counter(), time.process_time()
        book = pc.CalamineWorkbook.from_path(path)
        sheet = book.get_sheet_by_name(book.sheet_names[0])
        n = sum(1 for _ in sheet.iter_rows()) - 1
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    elif mode == "stream":
        from engine.imports.xlsx import Book

        peaks = _watch_helpers()
        t, cpu = time.perf_counter(), time.process_time()
        ours = Book(path)
        spool = ours.read(ours.sheet_names[0]).spool
        n = sum(1 for _ in spool.rows()) - 1
        spool.close()
        ours.close()
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        return {"seconds": seconds, "cpu": cpu, "rows": n, "peak_mb": _peak_mb(), **_helper(peaks)}
    else:
        import engine
        from engine.imports import import_file, plan_source, run_import

        assert plan_source and run_import  # their modules loaded before the clock starts

        peaks = _watch_helpers()
        db = engine.connect(f"sqlite:///{db_path}")
        base = db.create_base("Bench")
        t, cpu = time.perf_counter(), time.process_time()
        result = import_file(db, base, path)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        n = result.inserted
        assert base.table("订单").count() == n
        types = [f.type_name for f in base.table("订单").fields]
        db.close()
        return {
            "seconds": seconds,
            "cpu": cpu,
            "rows": n,
            "peak_mb": _peak_mb(),
            "types": types,
            **_helper(peaks),
        }
    return {"seconds": seconds, "cpu": cpu, "rows": n, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _watch_helpers() -> list[float]:
    """Peak memory (MB) of each parse helper process, read from /proc just before it is told to
    end: its own rusage would count the memory of the process it was started from."""
    from engine.imports import helper

    peaks: list[float] = []
    close = helper.Helper.close

    def closing(self: helper.Helper) -> None:
        with suppress(OSError), open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        close(self)

    helper.Helper.close = closing  # type: ignore[method-assign]
    return peaks


def _helper(peaks: list[float]) -> dict[str, float]:
    """CPU seconds of the helper processes (this process's children) and their peak memory."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"helper_cpu": used.ru_utime + used.ru_stime, "helper_peak_mb": max(peaks, default=0)}


def run_child(mode: str, path: Path, db_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(db_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument(
        "--no-dimension",
        action="store_true",
        help="leave the sheets without <dimension>, as streaming writers do: scanned after parsing",
    )
    p.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DB"))
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "stream": [], "import": []}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        small, big = d / "orders.xlsx", d / "orders_x2.xlsx"
        generate(small, args.rows)
        generate(big, args.rows * 2)
        if not args.no_dimension:
            add_dimension(small, args.rows)
            add_dimension(big, args.rows * 2)
        for i in range(args.repeats):  # interleaved, so that a slow spell hits every mode
            for mode, found in runs.items():
                found.append(run_child(mode, small, d / f"{mode}{i}.db"))
        doubled = run_child("import", big, d / "b.db")
        bare_big = run_child("bare", big, d / "bare2.db")
        file_mb = round(small.stat().st_size / 1e6, 1)
    bare, stream, imported = (min(runs[m], key=lambda r: r["seconds"]) for m in runs)
    pairs = [
        round(i["seconds"] / b["seconds"], 2)
        for i, b in zip(runs["import"], runs["bare"], strict=True)
    ]
    cpu = {m: min(r["cpu"] + r.get("helper_cpu", 0.0) for r in runs[m]) for m in runs}
    print(
        json.dumps(
            {
                "rows": args.rows,
                "columns": len(COLUMNS),
                "file_mb": file_mb,
                "repeats": args.repeats,
                "dimension": not args.no_dimension,
                "bare_read_seconds": round(bare["seconds"], 3),
                "import_seconds": round(imported["seconds"], 3),
                "bare_rows_per_s": round(bare["rows"] / bare["seconds"]),
                "import_rows_per_s": round(imported["rows"] / imported["seconds"]),
                "ratio": round(imported["seconds"] / bare["seconds"], 2),
                "ratio_per_repeat": pairs,
                "ratio_median": round(statistics.median(pairs), 2),
                "cpu_ratio": round(cpu["import"] / cpu["bare"], 2),
                "stream_read_seconds": round(stream["seconds"], 3),
                "stream_ratio": round(stream["seconds"] / bare["seconds"], 2),
                "stream_cpu_ratio": round(cpu["stream"] / cpu["bare"], 2),
                "stream_peak_mb": stream["peak_mb"],
                "stream_helper_peak_mb": round(stream["helper_peak_mb"], 1),
                "stream_rows_read": stream["rows"],
                "bare_cpu_seconds": round(cpu["bare"], 3),
                "import_cpu_seconds": round(cpu["import"], 3),
                "import_helper_cpu_seconds": round(imported["helper_cpu"], 3),
                "rows_imported": imported["rows"],
                "field_types": imported["types"],
                "bare_peak_mb": bare["peak_mb"],
                "import_peak_mb": imported["peak_mb"],
                "import_helper_peak_mb": round(imported["helper_peak_mb"], 1),
                "doubled_rows": doubled["rows"],
                "doubled_import_seconds": round(doubled["seconds"], 3),
                "doubled_import_peak_mb": doubled["peak_mb"],
                "doubled_import_helper_peak_mb": round(doubled["helper_peak_mb"], 1),
                "doubled_bare_peak_mb": bare_big["peak_mb"],
                "doubled_peak_ratio": round(doubled["peak_mb"] / imported["peak_mb"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
