"""The package's layout: modules depend one way (no import circle at module level), counting never
reaches for the cluster code, and one place holds the version."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import hfbpe

PACKAGE = Path(hfbpe.__file__).parent


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


# Methods that hand their work to a module above them, imported when called (tiktoken's Encoding
# style: one class, thin methods): Tokenizer.save_pretrained/push_to_hub/from Hub code,
# Tokenizer.evaluate, Tokenizer.to_tokenizers, Report.plot.
DELEGATIONS = {("tokenizer", "hub"), ("tokenizer", "evaluation"), ("tokenizer", "hf_format"), ("report", "charts")}


def _imports(tree: ast.Module, modules: set[str], module_level_only: bool) -> set[str]:
    """The package's modules a module imports: at import time (top-level statements, and those in
    top-level if/try blocks), or anywhere (function bodies too); `if TYPE_CHECKING:` blocks, which
    never run, left out."""
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("hfbpe."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("hfbpe."))
            elif isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not module_level_only:
                    visit(node.body)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)] +
                              [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body])

    visit(tree.body)
    return found & modules


def import_graph(module_level_only: bool = True) -> dict[str, set[str]]:
    files = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    modules = set(files) | {"_core"}
    return {name: _imports(ast.parse(path.read_text()), modules, module_level_only) - {name}
            for name, path in files.items()}


def _assert_acyclic(graph: dict[str, set[str]]) -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for dependency in sorted(graph.get(module, ())):
            if state.get(dependency) == 1:
                cycle = path[path.index(dependency):] + [dependency]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if dependency not in state:
                visit(dependency)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_no_module_level_import_circle():
    graph = import_graph()
    assert graph["training"] >= {"counting", "distributed"}  # the graph is read at all
    _assert_acyclic(graph)


def test_no_import_circle_at_all_beyond_the_delegating_methods():
    graph = import_graph(module_level_only=False)
    assert ("tokenizer", "hub") in {(m, d) for m, deps in graph.items() for d in deps}
    for module, dependency in DELEGATIONS:
        graph[module].discard(dependency)
    _assert_acyclic(graph)


def test_the_circle_check_finds_circles():
    with pytest.raises(AssertionError, match="import circle: a -> b -> a"):
        _assert_acyclic({"a": {"b"}, "b": {"a"}})


def test_counting_never_imports_the_cluster_code():
    tree = ast.parse((PACKAGE / "counting.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not {m for m in imported if m and "distributed" in m}
    graph = import_graph()
    assert "counting" in graph["distributed"]


def test_the_version_comes_from_the_package_metadata(tmp_path):
    assert hfbpe.__version__ == importlib.metadata.version("hfbpe")
    for argv in (["-m", "hfbpe", "--version"],):
        out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=tmp_path, check=True)
        assert out.stdout.strip() == f"hfbpe {hfbpe.__version__}"


def test_python_dash_m_runs_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hfbpe", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and "train" in out.stdout
