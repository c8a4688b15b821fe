"""Names of a package loaded when first used (a module-level `__getattr__`, PEP 562), so that a
process needing one part of the engine (the .xlsx parse helper, a command's help) loads only
that part."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def loader(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A `__getattr__` for `package`: each name of `where` from the module it names (relative
    to the package), kept in the package once loaded."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
