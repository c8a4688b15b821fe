"""Numbers, text and lists in Python, exactly as the PostgreSQL expressions compute them; the
SQLite functions of sqlite_udfs.py are these."""

from __future__ import annotations

import json
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Any

MAX_DIGITS = 300  # ROUND's precision is clamped to ±300


def float_text(x: float) -> str:
    """A float as PostgreSQL writes float8: shortest round-trip digits, exponent form below
    1e-4 and from 1e15 on ('1e+15', '1.5e-05'), '0' for -0."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign, digits, exp = _shortest(x).as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits)).rstrip("0")
    exp += len(digits) - len(ds)
    e10 = len(ds) + exp - 1
    if e10 < -4 or e10 >= 15:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        out = f"{mant}e{'-' if e10 < 0 else '+'}{abs(e10):02d}"
    elif e10 >= len(ds) - 1:
        out = ds + "0" * (e10 - len(ds) + 1)
    elif e10 >= 0:
        out = ds[: e10 + 1] + "." + ds[e10 + 1 :]
    else:
        out = "0." + "0" * (-e10 - 1) + ds
    return ("-" if sign else "") + out


def _shortest(x: float) -> Decimal:
    """The shortest decimal strictly between the midpoints to x's neighbours (PostgreSQL's
    Ryu never takes a midpoint; Python's repr does when x's mantissa is even)."""
    shortest = Decimal(repr(x))
    n = len(shortest.as_tuple().digits)
    if n < 15 and abs(x) < 2.0**53:  # midpoints below 2**53 have 16 digits or more
        return shortest
    with localcontext() as ctx:
        ctx.prec = 2000
        exact = Decimal(x)
        lo = (exact + Decimal(math.nextafter(x, -math.inf))) / 2
        hi = (exact + Decimal(math.nextafter(x, math.inf))) / 2
        for p in range(n, 18):
            step = Decimal(1).scaleb(exact.adjusted() - p + 1)
            inside = [
                c
                for c in (exact.quantize(step, ROUND_FLOOR), exact.quantize(step, ROUND_CEILING))
                if lo < c < hi
            ]
            if inside:
                # the nearest; on a tie, the one ending in an even digit
                best = min(inside, key=lambda c: (abs(c - exact), c.as_tuple().digits[-1] % 2))
                return best.normalize()
    return Decimal(f"{x:.16e}")


def dec15(x: float) -> Decimal:
    """A float as PostgreSQL's float8-to-numeric cast sees it: 15 significant digits."""
    return Decimal(f"{x:.15g}")


def decimal_op(op: str, x: float, y: float) -> float | None:
    """ROUND / ROUNDUP / ROUNDDOWN (y = digits) and CEILING / FLOOR (y = significance) and
    MOD, in decimal arithmetic."""
    if op in ("even", "odd"):
        shift = 0 if op == "even" else 1
        up = math.ceil((abs(x) + shift) / 2.0) * 2 - shift
        return float(-up if x < 0 else up)
    with localcontext() as ctx:
        ctx.prec = 1000
        a = dec15(x)
        if op in ("ceiling", "floor", "mod"):
            b = dec15(y)
            if b == 0:
                return None if op == "mod" else 0.0
            if op == "mod":
                return float(a % b)
            q = (a / b).to_integral_value(ROUND_CEILING if op == "ceiling" else ROUND_FLOOR)
            return float(q * b)
        p = max(-MAX_DIGITS, min(MAX_DIGITS, int(y)))
        scale = Decimal(10) ** abs(p)
        scaled = a * scale if p >= 0 else a / scale
        if op == "round":
            r = (scaled + Decimal("0.5")).to_integral_value(ROUND_FLOOR)
        elif op == "roundup":
            r = abs(scaled).to_integral_value(ROUND_CEILING).copy_sign(scaled)
        else:
            r = abs(scaled).to_integral_value(ROUND_FLOOR).copy_sign(scaled)
        return float(r / scale if p >= 0 else r * scale)


OVERFLOW = 709.78  # ln of the largest float, a little under
UNDERFLOW = -700.0


def exp(x: float) -> float | None:
    if x > 709:
        return None
    return 0.0 if x < -700 else math.exp(x)


def power(b: float, e: float) -> float | None:
    if b == 0:
        return None if e < 0 else (1.0 if e == 0 else 0.0)
    if b < 0 and e != math.floor(e):
        return None
    t = e * math.log(abs(b))
    if t > OVERFLOW:
        return None
    if t < UNDERFLOW:
        return 0.0
    return math.pow(b, e)


# --- lists -------------------------------------------------------------------------------------
def lax(value: Any, steps: int) -> list[Any]:
    """The items of `value` after `steps` rounds of unwrapping lists (PostgreSQL's
    `lax $[*][*]…`): a non-list is an item of its own."""
    seq = [value]
    for _ in range(steps):
        seq = [x for e in seq for x in (e if isinstance(e, list) else [e])]
    return seq


def _pg_key(k: str) -> tuple[int, bytes]:
    b = k.encode()
    return len(b), b


def json_text(v: Any) -> str:
    """JSON as PostgreSQL writes jsonb: ', ' and ': ', keys shortest first."""
    if isinstance(v, dict):
        inner = ", ".join(
            f"{json.dumps(k, ensure_ascii=False)}: {json_text(v[k])}"
            for k in sorted(v, key=_pg_key)
        )
        return "{" + inner + "}"
    if isinstance(v, list):
        return "[" + ", ".join(json_text(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def item_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int | float):
        return float_text(float(v))
    if v is None:
        return ""
    if isinstance(v, dict):
        name = v.get("name", v.get("title")) if v.get("name") is not None else v.get("title")
        if name is not None:
            return name if isinstance(name, str) else json_text(name)
    return json_text(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _key(v: Any) -> tuple[str, Any]:
    if _is_number(v):
        return "n", float(v)
    if isinstance(v, str):
        return "s", v
    return "j", json_text(v)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def array_items(a: str) -> list[Any]:
    return lax(json.loads(a), 4)


def array_join(a: str, sep: str) -> str:
    return sep.join(item_text(v) for v in array_items(a))


def array_op(op: str, a: str) -> str:
    items = array_items(a)
    if op == "unique":
        seen: set[tuple[str, Any]] = set()
        out = []
        for v in items:
            k = _key(v)
            if k not in seen:
                seen.add(k)
                out.append(v)
        items = out
    elif op == "compact":
        items = [v for v in items if v is not None and v != ""]
    return dumps(items)


def array_len(a: str) -> int | None:
    value = json.loads(a)
    return len(value) if isinstance(value, list) else None


def aggregate(op: str, given: list[Any]) -> float | None:
    """SUM, AVERAGE, MIN, MAX, COUNT, COUNTA or COUNTALL ('avg', 'count'...) of the items
    (numbers, text, None, lists: flattened)."""
    items = lax(given, 5)
    if op == "countall":
        return float(len(items))
    if op == "counta":
        return float(sum(1 for v in items if v is not None and v != ""))
    numbers = [float(v) for v in items if _is_number(v)]
    if op == "count":
        return float(len(numbers))
    if op == "sum":
        total = 0.0
        for x in numbers:
            total += x
        return total
    if not numbers:
        return None
    if op == "avg":
        total = 0.0
        for x in numbers:
            total += x
        return total / len(numbers)
    return min(numbers) if op == "min" else max(numbers)
