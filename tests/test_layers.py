"""The house's shape (issue 15), read from the imports: every import points down the
floors named in topicwire/__init__.py, no modules import each other in a circle, and
every module opens with a docstring saying its one job."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "topicwire"

# Lowest first. A module may import its own floor and any floor below, never above.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("types", "errors", "values", "clock", "datetimes", "log", "changes", "metrics", "lxmlock", "cpu"),
    ("schedule", "sources", "extract", "dedup", "topics", "statements", "store"),
    ("config",),
    ("feeds",),
    ("placement", "sitetemplate", "prepare", "pipeline", "upkeep"),
    ("daemon", "__main__"),
)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The topicwire modules ``name`` imports (a name imported from a package counts as
    its submodule when there is one), at any depth of the file, deferred ones too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                out.add(full if full in known else module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m in known and m != name}


def floor(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, names in enumerate(FLOORS):
        if top in names:
            return i
    raise AssertionError(f"{module} is on no floor: add its package to FLOORS and topicwire/__init__.py")


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items() if name != "topicwire"}


def test_every_import_points_down() -> None:
    upward = [
        f"{m} (floor {floor(m)}) imports {d} (floor {floor(d)})"
        for m, deps in GRAPH.items()
        for d in sorted(deps)
        if d != "topicwire" and floor(d) > floor(m)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components: any of more than one module is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


# (module, imported): the commands other than `run` start without APScheduler and the server.
DEFERRED_ON_PURPOSE = {("topicwire.daemon.cli", "topicwire.daemon.service")}


def test_no_deferred_imports_inside_topicwire() -> None:
    """An import inside a function to dodge a circle hides the shape; optional third-party
    imports (tqdm on a terminal) are fine, topicwire's own are not."""
    deferred = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if not isinstance(node, ast.ImportFrom):
                        continue
                    own = node.level or (node.module or "").startswith("topicwire")
                    if own and (name, node.module) not in DEFERRED_ON_PURPOSE:
                        deferred.append(f"{name}:{node.lineno} from {node.module}")
    assert deferred == []


@pytest.mark.parametrize("name", sorted(modules()), ids=str)
def test_every_module_says_its_job(name: str) -> None:
    doc = ast.get_docstring(ast.parse(modules()[name].read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 5, f"{name} has no opening docstring saying its one job"


def test_the_floors_are_the_packages() -> None:
    tops = {m.split(".")[1] for m in modules() if "." in m}
    assert tops == {n for names in FLOORS for n in names}
