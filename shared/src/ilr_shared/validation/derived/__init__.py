"""Derived-data definitions (DDxx), one module each; importing this package registers them."""

import importlib
import pkgutil

MODULES = sorted(info.name for info in pkgutil.iter_modules(__path__))
for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["MODULES"]
