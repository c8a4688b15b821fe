"""Airtable-form ids (`app…`, `tbl…`, `fld…`, `viw…`, `rec…`, `usr…`, `wsp…`) for Tessera's
integer ids: stable forever, reversible, and needing no table of their own.

An id is a three-letter prefix and 14 characters of base 62 (17 in all, as Airtable's). The
integer (below 2**64) is first scrambled by a four-round Feistel permutation of 64 bits keyed
with a fixed key and the prefix — so consecutive records do not get consecutive-looking ids and
`tbl` and `fld` of the same number differ — then written as 11 base-62 digits, followed by 3
check digits (a keyed BLAKE2b digest of the prefix and the scrambled value). Decoding reverses
the permutation after checking the digits, so a mistyped or invented id is "not found" rather
than another record. The key is part of the format and must never change; the ids are names,
not secrets: every access is checked by the permission layer as before.
"""

from __future__ import annotations

import hashlib

from engine.errors import NotFound

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_KEY = b"tessera-ids-v1"  # part of the id format: never change it
_BODY, _CHECK = 11, 3
_MASK32 = 0xFFFFFFFF

PREFIXES = {
    "app": ("base", "库"),
    "tbl": ("table", "表"),
    "fld": ("field", "字段"),
    "viw": ("view", "视图"),
    "rec": ("record", "记录"),
    "usr": ("user", "用户"),
    "wsp": ("workspace", "工作区"),
    "flt": ("saved filter", "已保存的筛选"),
}


def _round(prefix: str, i: int, half: int) -> int:
    data = prefix.encode() + bytes([i]) + half.to_bytes(4, "big")
    return int.from_bytes(hashlib.blake2b(data, digest_size=4, key=_KEY).digest(), "big")


def _permute(prefix: str, n: int, *, inverse: bool = False) -> int:
    left, right = n >> 32, n & _MASK32
    rounds = range(3, -1, -1) if inverse else range(4)
    for i in rounds:
        if inverse:
            left, right = right ^ _round(prefix, i, left), left
        else:
            left, right = right, left ^ _round(prefix, i, right)
    return (left << 32) | right


def _digits(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def _check(prefix: str, scrambled: int) -> str:
    data = prefix.encode() + scrambled.to_bytes(8, "big")
    digest = hashlib.blake2b(data, digest_size=8, key=_KEY + b":check").digest()
    return _digits(int.from_bytes(digest, "big"), _CHECK)


def encode(prefix: str, n: int) -> str:
    """The id of integer `n` with `prefix` (e.g. `encode("rec", 12)`)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    if not 0 <= n < 2**64:
        raise ValueError("ids are integers from 0 below 2**64")
    scrambled = _permute(prefix, n)
    return prefix + _digits(scrambled, _BODY) + _check(prefix, scrambled)


def decode(prefix: str, text: str) -> int | None:
    """The integer behind an id of `prefix`; None when `text` is not one."""
    if len(text) != 3 + _BODY + _CHECK or not text.startswith(prefix):
        return None
    body = text[3 : 3 + _BODY]
    scrambled = 0
    for c in body:
        i = _INDEX.get(c)
        if i is None:
            return None
        scrambled = scrambled * 62 + i
    if scrambled >= 2**64 or _check(prefix, scrambled) != text[3 + _BODY :]:
        return None
    return _permute(prefix, scrambled, inverse=True)


def require(prefix: str, text: str) -> int:
    """Like `decode`, but NotFound (naming what was looked for) when `text` is not an id."""
    found = decode(prefix, text)
    if found is None:
        what_en, what_zh = PREFIXES[prefix]
        raise NotFound(f"No {what_en} {text!r}", f"没有{what_zh} {text!r}")
    return found


def is_id(prefix: str, text: str) -> bool:
    return decode(prefix, text) is not None
