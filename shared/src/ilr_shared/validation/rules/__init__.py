"""Importing this package registers every rule: each module of the package is imported."""

import importlib
import pkgutil

MODULES = sorted(info.name for info in pkgutil.iter_modules(__path__))
for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["MODULES"]
