"""The layering rules of docs/ENGINEERING.md ("Keeping the layers"), checked on the source.

Pure: parses every module with `ast` and lists each violation as `file:line what`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
SHARED_SRC = ROOT / "shared" / "src"

MAX_FUNCTION_LINES = 60
INFRASTRUCTURE = ("fastapi", "starlette", "pymongo", "bson", "motor", "lxml")
PURE_LAYERS = ("domain", "service_layer")
# What a layer may not import from its own service: only ever downwards.
FORBIDDEN_INNER = {
    "domain": ("adapters", "service_layer", "entrypoints", "bootstrap"),
    "service_layer": ("entrypoints", "bootstrap"),
}


@dataclass(frozen=True)
class Module:
    path: Path
    name: str  # dotted, e.g. ilr_service.service_layer.events
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".")[0]

    @property
    def layer(self) -> str | None:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else None

    def where(self, node: ast.stmt) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"


def _load(path: Path, src_root: Path) -> Module:
    parts = list(path.relative_to(src_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return Module(path, ".".join(parts), ast.parse(path.read_text(), str(path)))


def _package_roots() -> list[Path]:
    return sorted(init.parent for init in SERVICES_DIR.glob("*/src/*/__init__.py"))


@cache
def service_modules() -> tuple[Module, ...]:
    return tuple(
        _load(path, root.parent) for root in _package_roots() for path in sorted(root.rglob("*.py"))
    )


@cache
def shared_modules() -> tuple[Module, ...]:
    return tuple(_load(path, SHARED_SRC) for path in sorted(SHARED_SRC.rglob("*.py")))


def service_packages() -> set[str]:
    return {root.name for root in _package_roots()}


def import_statements(module: Module) -> Iterator[tuple[ast.stmt, list[str]]]:
    """Every import statement, at any depth (inside functions too), with its names made absolute.

    `from pkg import sub` gives both `pkg` and `pkg.sub`, since `sub` may be a module.
    """
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute_base(module, node)
            yield node, [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_violations(
    modules: Iterable[Module], forbidden: Callable[[Module, str], bool]
) -> list[str]:
    """One line per import statement that brings in a name `forbidden` rejects."""
    violations = []
    for module in modules:
        for node, names in import_statements(module):
            bad = [name for name in names if forbidden(module, name)]
            if bad:
                violations.append(f"{module.where(node)} {module.name} imports {bad[0]}")
    return violations


def _absolute_base(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = module.path.name == "__init__.py"
    parts = module.name.split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    anchor = parts[:keep]
    return ".".join([*anchor, node.module] if node.module else anchor)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _report(violations: list[str]) -> str:
    def by_file_and_line(line: str) -> tuple[str, int]:
        path, number = line.split(" ", 1)[0].rsplit(":", 1)
        return path, int(number)

    return f"{len(violations)} violation(s):\n" + "\n".join(
        sorted(violations, key=by_file_and_line)
    )


def test_domain_and_service_layer_import_no_web_or_database_library() -> None:
    violations = import_violations(
        (module for module in service_modules() if module.layer in PURE_LAYERS),
        lambda _module, name: any(_within(name, library) for library in INFRASTRUCTURE),
    )
    assert not violations, _report(violations)


def test_services_never_import_each_other() -> None:
    packages = service_packages()
    violations = import_violations(
        service_modules(),
        lambda module, name: name.split(".")[0] in packages - {module.package},
    )
    assert not violations, _report(violations)


def test_layers_import_only_downwards() -> None:
    violations = import_violations(
        service_modules(),
        lambda module, name: any(
            _within(name, f"{module.package}.{inner}")
            for inner in FORBIDDEN_INNER.get(module.layer or "", ())
        ),
    )
    assert not violations, _report(violations)


def test_no_function_is_longer_than_the_limit() -> None:
    violations = [
        f"{module.where(node)} {node.name} ({length} lines)"
        for module in (*service_modules(), *shared_modules())
        for node in ast.walk(module.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert not violations, _report(violations)


def test_the_checks_see_every_service_and_its_layers() -> None:
    """Guards the checks above against passing because they found nothing to check."""
    assert {"programmes_service", "ilr_service", "export_service"} <= service_packages()
    layers = {(module.package, module.layer) for module in service_modules()}
    for package in service_packages():
        for layer in ("domain", "service_layer", "adapters", "entrypoints"):
            assert (package, layer) in layers, (package, layer)
    assert any(module.name == "ilr_shared.template" for module in shared_modules())
