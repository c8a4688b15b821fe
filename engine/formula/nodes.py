"""The formula AST. Field references hold field ids; every node gets its result type from the
type checker. `pos` is the 0-based character offset of the node's most telling character (the
operator of a binary operation, the name of a function, the start of a literal)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .types import FType


@dataclass(eq=False)
class Node:
    pos: int
    ftype: FType = field(default=FType.BLANK, init=False)

    def children(self) -> list[Node]:
        return []


@dataclass(eq=False)
class Number(Node):
    value: float


@dataclass(eq=False)
class Text(Node):
    value: str


@dataclass(eq=False)
class Boolean(Node):
    value: bool


@dataclass(eq=False)
class FieldRef(Node):
    field_id: int
    name: str
    field_type: FType


@dataclass(eq=False)
class Call(Node):
    name: str  # upper case
    args: list[Node]

    def children(self) -> list[Node]:
        return list(self.args)


@dataclass(eq=False)
class BinOp(Node):
    op: str  # one of & + - * / = != < > <= >=
    left: Node
    right: Node

    def children(self) -> list[Node]:
        return [self.left, self.right]


@dataclass(eq=False)
class Negate(Node):
    operand: Node

    def children(self) -> list[Node]:
        return [self.operand]


def walk(node: Node) -> list[Node]:
    """Every node of the tree under `node`, `node` first (iteratively: trees may be deep)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children()))
    return out
