"""Validation rules: data on each field, checked on every write."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import SchemaError, ValueProblem
from .fields import FieldType

ME = "me"  # the default of a user field that means the user who creates the record


class Rules(BaseModel):
    """What a field's values must satisfy. Empty values pass every rule but `required`."""

    model_config = ConfigDict(extra="forbid")

    required: bool = False
    unique: bool = False
    min: Any = None
    max: Any = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None
    pattern_message: str | None = Field(default=None, max_length=500)
    default: Any = None

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"the pattern is not a valid regular expression: {e}") from None
        return v

    def is_empty(self) -> bool:
        return self == Rules()


def parse_rules(raw: dict[str, Any] | Rules | None, ftype: FieldType, field_name: str) -> Rules:
    """Rules for a field of type `ftype`, checked against what the type supports."""
    try:
        rules = raw if isinstance(raw, Rules) else Rules.model_validate(raw or {})
    except Exception as e:
        raise SchemaError(
            f"Invalid rules for field {field_name!r}: {e}",
            f"字段 {field_name!r} 的校验规则无效：{e}",
        ) from None

    def refuse(rule: str, rule_zh: str) -> SchemaError:
        return SchemaError(
            f"A {ftype.label_en} field cannot have the rule '{rule}' (field {field_name!r})",
            f"{ftype.label_zh}字段不支持“{rule_zh}”规则（字段 {field_name!r}）",
        )

    if rules.unique and not ftype.can_be_unique:
        raise refuse("unique", "唯一")
    if (rules.min is not None or rules.max is not None) and not ftype.has_range:
        raise refuse("min/max", "最小值/最大值")
    if (rules.min_length or rules.max_length or rules.pattern) and not ftype.has_length:
        raise refuse("length/pattern", "长度/格式")
    if rules.required and ftype.read_only:
        raise refuse("required", "必填")
    if ftype.read_only and rules.default is not None:
        raise refuse("default", "默认值")
    bounds = {}
    for key in ("min", "max"):
        value = getattr(rules, key)
        if value is not None:
            try:
                bounds[key] = ftype.range_value(value)
            except (ValueProblem, ValueError, TypeError):
                raise SchemaError(
                    f"The {key} of field {field_name!r} is not a valid value: {value!r}",
                    f"字段 {field_name!r} 的{'最小值' if key == 'min' else '最大值'}无效：{value!r}",
                ) from None
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise SchemaError(
            f"The min of field {field_name!r} is greater than its max",
            f"字段 {field_name!r} 的最小值大于最大值",
        )
    if rules.min_length and rules.max_length and rules.min_length > rules.max_length:
        raise SchemaError(
            f"The min length of field {field_name!r} is greater than its max length",
            f"字段 {field_name!r} 的最小长度大于最大长度",
        )
    if rules.default == ME and ftype.name == "user":
        return rules
    if rules.default is not None:
        try:
            default = ftype.normalize(rules.default)
        except ValueProblem as p:
            raise SchemaError(
                f"The default of field {field_name!r} is not valid: {p.message_en}",
                f"字段 {field_name!r} 的默认值无效：{p.message_zh}",
            ) from None
        rules = rules.model_copy(update={"default": _jsonable(ftype, default)})
    return rules


def _jsonable(ftype: FieldType, value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return ftype.to_text(value)


class RuleChecker:
    """Checks one field's rules over a column of normalised values."""

    def __init__(self, ftype: FieldType, rules: Rules) -> None:
        self.ftype = ftype
        self.rules = rules
        self.min = ftype.range_value(rules.min) if rules.min is not None else None
        self.max = ftype.range_value(rules.max) if rules.max is not None else None
        self.pattern = re.compile(rules.pattern) if rules.pattern else None

    def default(self, actor: int | None = None) -> Any:
        """The stored value of a field left out of a new record; a user field whose default is
        "me" gets the user who creates the record (`actor`)."""
        if self.ftype.read_only:
            return None
        if self.rules.default == ME and self.ftype.name == "user":
            return None if actor is None else self.ftype.normalize(actor)
        return self.ftype.normalize(self.rules.default)

    def check(self, values: list[Any], *, required: bool) -> list[tuple[int, ValueProblem]]:
        """Problems by index. `required` is False for updates that leave the field alone."""
        r = self.rules
        problems: list[tuple[int, ValueProblem]] = []
        present = values
        # each rule first asks C-level builtins whether any value could break it, and looks at
        # the values one by one only if one could
        if (
            required
            and r.required
            and (
                None in values
                or [] in values
                or (False in values and self.ftype.name == "checkbox")
            )
        ):
            for i, v in enumerate(values):
                if v is None or v == [] or (v is False and self.ftype.name == "checkbox"):
                    problems.append((i, _required()))
        lo, hi = self.min, self.max
        if (lo is not None or hi is not None) and not _within(present, lo, hi):
            for i, v in enumerate(present):
                if v is None:
                    continue
                if lo is not None and v < lo:
                    problems.append((i, _range("below_min", v, lo, self.ftype)))
                elif hi is not None and v > hi:
                    problems.append((i, _range("above_max", v, hi, self.ftype)))
        if r.min_length is not None or r.max_length is not None:
            for i, v in enumerate(present):
                if v is None:
                    continue
                n = self.ftype.length(v)
                if r.min_length is not None and n < r.min_length:
                    problems.append((i, _length("too_short", n, r.min_length)))
                elif r.max_length is not None and n > r.max_length:
                    problems.append((i, _length("too_long", n, r.max_length)))
        if self.pattern is not None:
            match = self.pattern.fullmatch
            for i, v in enumerate(present):
                if v is not None and not match(v):
                    problems.append((i, self._pattern_problem(v)))
        return problems

    def _pattern_problem(self, value: str) -> ValueProblem:
        own = self.rules.pattern_message
        if own:
            return ValueProblem("pattern", own, own)
        return ValueProblem(
            "pattern",
            f"{value[:40]!r} does not match the required format",
            f"{value[:40]!r} 不符合要求的格式",
        )


def _within(values: list[Any], lo: Any, hi: Any) -> bool:
    """Whether no value but None is below `lo` or above `hi` (False when unsure). The least and
    greatest values bound the others; a NaN first makes `min` NaN and the answer False."""
    present = values if None not in values else [v for v in values if v is not None]
    if not present:
        return True
    try:
        return bool((lo is None or lo <= min(present)) and (hi is None or max(present) <= hi))
    except TypeError:
        return False


def _required() -> ValueProblem:
    return ValueProblem("required", "A value is required", "此字段为必填项")


def _range(code: str, value: Any, bound: Any, ftype: FieldType) -> ValueProblem:
    v, b = ftype.to_text(value), ftype.to_text(bound)
    if code == "below_min":
        return ValueProblem(code, f"{v} is less than the minimum {b}", f"{v} 小于最小值 {b}")
    return ValueProblem(code, f"{v} is greater than the maximum {b}", f"{v} 大于最大值 {b}")


def _length(code: str, n: int, bound: int) -> ValueProblem:
    if code == "too_short":
        return ValueProblem(
            code,
            f"Too short: {n} characters, at least {bound}",
            f"太短：{n} 个字符，至少 {bound} 个",
        )
    return ValueProblem(
        code, f"Too long: {n} characters, at most {bound}", f"太长：{n} 个字符，最多 {bound} 个"
    )
