"""srzoo's layers: a module imports only its own layer or below (see srzoo/__init__.py).

1. ``errors``, ``registry``, ``utils``, ``arch``, ``plugins``; 2. ``checkpoint``;
3. ``models``, ``datasets``, ``evaluation``; 4. ``engine``, ``apis``; 5. ``cli``, ``speed``.

Two checks: what importing each layer really loads (a fresh interpreter per import, reading
``sys.modules``), and a static one over every ``srzoo/**/*.py`` (``ast``: module-level and
function-level ``import`` statements, and ``importlib.import_module`` of a literal name).
"""

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Set, Tuple

import pytest

SRC = Path(__file__).resolve().parents[1] / "srzoo"
LAYERS: Dict[str, int] = {
    **dict.fromkeys(("errors", "registry", "utils", "arch", "plugins"), 1),
    "checkpoint": 2,
    **dict.fromkeys(("models", "datasets", "evaluation"), 3),
    **dict.fromkeys(("engine", "apis"), 4),
    **dict.fromkeys(("cli", "speed"), 5),
}
# Same-layer packages that must not import each other's way (importer -> forbidden).
SIBLING_RULES: Dict[str, Set[str]] = {"engine": {"apis"}}
# Modules that promise to stay lighter than their layer (module -> forbidden packages).
LIGHT: Dict[str, Set[str]] = {"srzoo.apis.tiling": {"models", "engine"}}


def package_of(module: str) -> str:
    """``srzoo.models.layers`` -> ``models``; ``srzoo`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def forbidden_for(module: str) -> Set[str]:
    """The srzoo packages ``module`` must not import: higher layers, and the extra rules."""
    package = package_of(module)
    layer = LAYERS[package]
    higher = {p for p, n in LAYERS.items() if n > layer}
    return higher | SIBLING_RULES.get(package, set()) | LIGHT.get(module, set())


# ---------------------------------------------------------------- what an import loads


def _utils_modules() -> List[str]:
    names = (p.stem for p in sorted((SRC / "utils").glob("*.py")) if p.stem != "__init__")
    return ["srzoo.utils", *(f"srzoo.utils.{n}" for n in names)]


# What each fresh interpreter imports. Layer 1's modules share one rule, so one interpreter
# imports them all (a breach by any of them shows in the union; the static test names it).
IMPORTS: Dict[str, List[str]] = {
    "layer1": ["srzoo.errors", "srzoo.registry", "srzoo.plugins", "srzoo.arch", *_utils_modules()],
    **{m: [m] for m in ("srzoo.checkpoint", "srzoo.models", "srzoo.datasets")},
    **{m: [m] for m in ("srzoo.evaluation", "srzoo.apis.tiling", "srzoo.engine")},
}
PRINT_LOADED = (
    "import {}; import sys; print(sorted(m for m in sys.modules if m.startswith('srzoo')))"
)


def loaded_by(modules: List[str]) -> List[str]:
    """The ``srzoo`` modules in ``sys.modules`` after importing ``modules`` in a fresh process."""
    code = PRINT_LOADED.format(", ".join(modules))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return ast.literal_eval(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def loaded() -> Dict[str, List[str]]:
    """:func:`loaded_by` of each entry of ``IMPORTS``, two interpreters at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(IMPORTS, pool.map(loaded_by, IMPORTS.values())))


@pytest.mark.parametrize("name", IMPORTS)
def test_import_loads_no_higher_layer(name, loaded):
    assert set(IMPORTS[name]) <= set(loaded[name])
    forbidden = set().union(*(forbidden_for(m) for m in IMPORTS[name]))
    wrong = sorted(m for m in loaded[name] if package_of(m) in forbidden)
    assert not wrong, f"import {', '.join(IMPORTS[name])} loads {wrong}"


def test_the_rules_name_the_briefed_layers():
    """The import rules above, spelled out once (guards the layer map itself)."""
    assert {"checkpoint", "models", "engine", "apis", "cli", "speed"} <= forbidden_for("srzoo.arch")
    assert forbidden_for("srzoo.checkpoint") >= {"models", "datasets", "evaluation", "engine"}
    assert forbidden_for("srzoo.evaluation") == {"engine", "apis", "cli", "speed"}
    assert forbidden_for("srzoo.engine") == {"apis", "cli", "speed"}
    assert {"models", "engine"} <= forbidden_for("srzoo.apis.tiling")


# ---------------------------------------------------------------- static import graph


class Import(NamedTuple):
    """One import of an srzoo module found in a source file."""

    module: str  # the importing module, e.g. srzoo.cli.train
    target: str  # the imported module, e.g. srzoo.engine.runner
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    """``srzoo/apis/convert.py`` -> ``srzoo.apis.convert``; ``__init__``/``__main__`` kept
    as their package (``__main__`` too, so ``srzoo.cli.__main__`` is ``srzoo.cli``)."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] in ("__init__", "__main__"):
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    """Whether ``name`` is an srzoo module or package (a file under ``srzoo/``)."""
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _targets(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
            base = ".".join(anchor + ([base] if base else []))
        subs = {f"{base}.{alias.name}" for alias in node.names}
        yield from sorted(sub for sub in subs if is_module(sub)) or [base]
    elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            yield arg.value


def imports_in(source: str, module: str, is_package: bool = False) -> List[Import]:
    """Every import of an srzoo module in ``source`` (the text of ``module``), marking
    those inside a function."""
    found: List[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for target in _targets(node, module, is_package):
            if target == "srzoo" or target.startswith("srzoo."):
                found.append(Import(module, target, node.lineno, in_function))
        nested = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(ast.parse(source), False)
    return found


def srzoo_imports(path: Path) -> List[Import]:
    """:func:`imports_in` of one source file."""
    is_package = path.stem in ("__init__", "__main__")
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), is_package)


ALL_IMPORTS = [imp for path in sorted(SRC.rglob("*.py")) for imp in srzoo_imports(path)]


def test_every_source_file_is_in_a_layer():
    packages = {package_of(module_name(p)) for p in SRC.rglob("*.py")} - {""}
    assert packages == set(LAYERS), "add the new package to LAYERS (and to the docs)"


def test_no_module_imports_a_higher_layer():
    wrong = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in ALL_IMPORTS
        if package_of(imp.module) and package_of(imp.target) in forbidden_for(imp.module)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_package_root_imports_nothing_of_srzoo():
    assert [i for i in ALL_IMPORTS if i.module == "srzoo"] == []


def test_the_static_scan_sees_function_level_relative_and_dynamic_imports():
    source = (
        "import os\nfrom .errors import X\nfrom . import registry\n"
        "def f():\n    import srzoo.cli\n    importlib.import_module('srzoo.speed')\n"
    )
    found = imports_in(source, "srzoo.arch")
    assert [(i.target, i.line, i.in_function) for i in found] == [
        ("srzoo.errors", 2, False),
        ("srzoo.registry", 3, False),
        ("srzoo.cli", 5, True),
        ("srzoo.speed", 6, True),
    ]
    inner = imports_in("from ..arch import SRArch\n", "srzoo.models.layers")
    assert [i.target for i in inner] == ["srzoo.arch"]
    assert [i.target for i in imports_in("from .io import a\n", "srzoo.checkpoint", True)] == [
        "srzoo.checkpoint.io"
    ]


def function_level_imports() -> List[Import]:
    """The srzoo imports written inside functions (the lead wants few of them)."""
    return [imp for imp in ALL_IMPORTS if imp.in_function]


# The function-level srzoo imports allowed, each with its reason; keep this list short. A new
# one must not hide a cycle or a layer breach: import at module level where possible.
# e.g. {("srzoo.a.b", "srzoo.a.c"): "c imports matplotlib: loaded only to draw"}
ALLOWED_FUNCTION_LEVEL: Dict[Tuple[str, str], str] = {}


def test_function_level_srzoo_imports_are_the_allowed_few():
    found = function_level_imports()
    new = [
        f"{i.module}:{i.line} -> {i.target}"
        for i in found
        if (i.module, i.target) not in ALLOWED_FUNCTION_LEVEL
    ]
    assert not new, "import these at module level, or allow them with a reason:\n" + "\n".join(new)
    gone = set(ALLOWED_FUNCTION_LEVEL) - {(i.module, i.target) for i in found}
    assert not gone, f"no longer imported in a function; remove from the list: {sorted(gone)}"


if __name__ == "__main__":  # list them: python tests/test_layering.py
    for imp in function_level_imports():
        print(f"{imp.module}:{imp.line} -> {imp.target}")
