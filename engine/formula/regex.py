"""Regular expressions in formulas: the common subset of Python's `re` (SQLite, through a
function) and PostgreSQL's ARE, checked when the formula is read and translated for each.

`.` matches newlines and `$` only the very end, as in PostgreSQL; `\\b` is a word boundary
(PostgreSQL's `\\y`). Named groups, atomic groups, possessive quantifiers, `\\p{…}`, inline
flags other than a leading `(?i)` and a `{` that is not a repetition count are refused, so a
pattern never means different things on the two databases.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from .registry import LiteralProblem

_SAME_ESCAPES = set("dDwWsSnrtfvAZu") | set("123456789")
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_QUANT = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


@dataclass(frozen=True)
class Pattern:
    source: str
    python: str
    pg: str
    groups: int

    @property
    def pg_whole_match(self) -> str:
        """The PostgreSQL pattern with the whole match as its first group."""
        flags = "(?i)" if self.pg.startswith("(?i)") else ""
        return f"{flags}({self.pg[len(flags) :]})"


def _bad(en: str, zh: str) -> LiteralProblem:
    return LiteralProblem(en, zh)


def check_regex(source: str) -> Pattern:
    py: list[str] = []
    pg: list[str] = []
    i, groups = 0, 0
    if source.startswith("(?i)"):
        py.append("(?i)")
        pg.append("(?i)")
        i = 4
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 == n:
                raise _bad("The pattern ends with a lone backslash", "正则表达式以单个反斜杠结尾")
            c = source[i + 1]
            if c == "b" or c == "B":
                py.append("\\" + c)
                pg.append("\\y" if c == "b" else "\\Y")
            elif c in _SAME_ESCAPES or not c.isalnum():
                py.append("\\" + c)
                pg.append("\\" + c)
            else:
                raise _bad(f"\\{c} is not supported in patterns", f"正则表达式不支持 \\{c}")
            i += 2
            continue
        if ch == "[":
            j = _class_end(source, i)
            body = source[i:j]
            inner = body[1:]
            if "[:" in inner or "[=" in inner or "[." in inner:
                raise _bad(
                    "Character classes like [:alpha:] are not supported",
                    "不支持 [:alpha:] 这样的字符类",
                )
            if re.search(r"\\[DSW]", body):
                raise _bad(
                    "\\D, \\S and \\W cannot be used inside [...]", "[...] 中不能使用 \\D、\\S、\\W"
                )
            py.append(body)
            pg.append(body)
            i = j
            continue
        if ch == "(":
            if source.startswith("(?", i):
                opener = next((o for o in _GROUP_OPENERS if source.startswith(o, i)), None)
                if opener is None:
                    raise _bad(
                        "Only (?:…), (?=…), (?!…), (?<=…) and (?<!…) groups are supported",
                        "仅支持 (?:…)、(?=…)、(?!…)、(?<=…)、(?<!…) 这几种分组",
                    )
                py.append(opener)
                pg.append(opener)
                i += len(opener)
                continue
            groups += 1
        elif ch == "{":
            m = _QUANT.match(source, i)
            if m is None or not py:
                raise _bad("Write \\{ for a literal brace", "花括号请写作 \\{")
            if m.end() < n and source[m.end()] == "+":
                raise _bad("Possessive quantifiers are not supported", "不支持占有型量词")
            py.append(m.group())
            pg.append(m.group())
            i = m.end()
            continue
        elif ch in "*+?" and i + 1 < n and source[i + 1] == "+":
            raise _bad("Possessive quantifiers are not supported", "不支持占有型量词")
        elif ch == "$":
            py.append("\\Z")
            pg.append("$")
            i += 1
            continue
        py.append(ch)
        pg.append(ch)
        i += 1
    python = "(?s)" + "".join(py) if not source.startswith("(?i)") else "(?is)" + "".join(py)[4:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compiled = re.compile(python)
    except (re.error, Warning) as e:
        raise _bad(f"Invalid pattern: {e}", f"正则表达式无效：{e}") from None
    return Pattern(source, python, "".join(pg), compiled.groups)


def _class_end(source: str, start: int) -> int:
    """The index just after the `]` that closes the class opened at `start`."""
    j = start + 1
    if j < len(source) and source[j] == "^":
        j += 1
    if j < len(source) and source[j] == "]":
        j += 1
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source[j] == "]":
            return j + 1
        j += 1
    raise _bad("A [ in the pattern is never closed", "正则表达式中的 [ 没有闭合")


_DOLLAR = re.compile(r"\$([1-9])")


def pg_replacement(template: str, groups: int) -> str:
    """A replacement written with $1…$9 (as in Airtable) in PostgreSQL's form."""
    out: list[str] = []
    last = 0
    for m in _DOLLAR.finditer(template):
        out.append(template[last : m.start()].replace("\\", "\\\\"))
        k = int(m.group(1))
        out.append(f"\\{k}" if k <= groups else "")
        last = m.end()
    out.append(template[last:].replace("\\", "\\\\"))
    return "".join(out)


def expand(template: str, m: re.Match[str]) -> str:
    """A replacement written with $1…$9 for match `m`; groups that did not take part, or that
    the pattern does not have, are empty."""

    def group(g: re.Match[str]) -> str:
        k = int(g.group(1))
        if k > (m.re.groups or 0):
            return ""
        return m.group(k) or ""

    return _DOLLAR.sub(group, template)
