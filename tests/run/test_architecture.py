"""The package's shape: no import cycle, and each room imports only the rooms below it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent.parent / "symderiv"

#: Each room (a folder, or a top-level module) and the rooms it may import, as ARCHITECTURE.md
#: draws them. Type-only imports (under `if TYPE_CHECKING:`) count too.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "limits": set(),
    "options": {"limits"},
    "language": {"errors", "limits"},
    "load": {"errors", "limits", "language"},
    "numbers": {"errors", "language"},
    "resolve": {"errors", "limits", "language", "load", "numbers"},
    "check": {"errors", "limits", "options", "language", "load", "numbers", "resolve"},
    "results": {"errors", "check", "load", "resolve"},
    "report": {"errors", "options", "language", "load", "resolve", "check", "results",
               "version"},
    "discover": {"errors"},
    "jobs": {"errors", "options", "load", "resolve", "check"},
    "cache": {"errors", "options", "check", "jobs", "resolve", "version"},
    "processes": set(),
    "executors": {"limits", "options", "check", "jobs", "resolve", "processes"},
    "pipeline": {"errors", "limits", "options", "load", "resolve", "check", "results",
                 "discover", "jobs", "executors", "cache"},
    "extract": {"errors", "language"},
    "pytest_plugin": {"discover", "options", "jobs", "pipeline", "results", "report",
                      "errors", "check"},
    "cli": {"version", "errors", "limits", "options", "discover", "pipeline", "results",
            "cache", "report", "extract"},
    "api": {"errors", "limits", "options", "check", "load", "results", "jobs", "pipeline"},
    "version": set(),
    "notebook": {"api", "cli", "check", "results", "report"},
    "__init__": {"api", "errors", "notebook", "results", "version"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every symderiv module `path` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("symderiv")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("symderiv"):
            for alias in node.names:  # `from symderiv.report import text` names a module
                candidate = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists():
                    found.add(candidate)
                else:
                    found.add(node.module)
    return found


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_rooms_import_only_what_they_may() -> None:
    """No module imports a room above its own (e.g. resolve/ never imports check/)."""
    wrong = sorted(f"{module} imports {target}" for module, targets in graph().items()
                   for target in targets
                   if room(target) != room(module)
                   and room(target) not in ALLOWED[room(module)])
    assert wrong == []


def test_every_room_is_in_the_table() -> None:
    """A new top-level module or folder must say where it stands."""
    assert {room(m) for m in graph()} <= set(ALLOWED)


def test_no_import_cycle() -> None:
    """The module graph (lazy imports included) has no cycle."""
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if target not in edges or target == module:
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target] if target in path
                              else [module, target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_cli_imports_neither_sympy_nor_numpy() -> None:
    """`import symderiv.cli` stays light: heavy imports wait until something is checked."""
    code = ("import sys, symderiv.cli; "
            "print(sorted(m for m in ('sympy', 'numpy', 'mpmath') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
