"""The layout's rules, checked on the source: who may import what, declared flag kinds, no
process-wide state from library code, and two pipelines sharing a process."""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import pytest

from translator import Pipeline
from translator.testing.tiny import tiny_config_text
from translator.types import FLAG_KINDS, Flag

from helpers import ROOT, SENTENCES

PACKAGE = ROOT / "translator"
HEAVY = {"torch", "transformers", "ctranslate2", "huggingface_hub"}


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, at any depth of the file, relative imports made absolute."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.rsplit(".", 1)[0]  # "translator.x" for translator/x/y.py and translator/x/__init__.py
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _module_graph(modules: dict[str, Path], root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the package's modules it imports (any depth of the file; a name imported from a
    module counts as that module)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        imported = _imports(path, root)
        for name in imported:
            if f"{name}.__init__" in modules and any(
                n.startswith(name + ".") and n in modules for n in imported
            ):
                continue  # ``from package import module``: the module, not the package's own names
            while name and name not in modules and f"{name}.__init__" not in modules:
                name = name.rpartition(".")[0]
            if name and name not in modules:
                name = f"{name}.__init__"  # a package's own names are its __init__'s
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan): each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_function_level_imports_included():
    assert _cycles(_module_graph(_modules())) == []


def test_the_cycle_check_finds_a_planted_function_level_cycle(tmp_path):
    """The test of the test: a package whose one cycle hides inside a function."""
    package = tmp_path / "translator"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models" / "__init__.py").write_text("")
    (package / "config.py").write_text(
        "def check():\n    from .models.hf import generation_problem\n    return generation_problem\n"
    )
    (package / "models" / "hf.py").write_text(
        "from ..config import check\n\ndef generation_problem():\n    return check\n"
    )
    (package / "errors.py").write_text("")
    modules = {".".join(p.relative_to(tmp_path).with_suffix("").parts): p for p in package.rglob("*.py")}
    assert _cycles(_module_graph(modules, tmp_path)) == [["translator.config", "translator.models.hf"]]


def test_the_rules_see_imports_inside_functions():
    # The control: cli/common.py imports the pipeline inside a function, and the scan finds it.
    assert "translator.engine.pipeline" in _imports(PACKAGE / "cli" / "common.py")


def test_only_models_import_torch_transformers_ctranslate2_and_huggingface_hub():
    bad = [
        f"{module} imports {name}"
        for module, path in _modules().items()
        if not module.startswith(("translator.models", "translator.testing"))  # tiny models are real ones
        for name in _imports(path)
        if name.split(".")[0] in HEAVY
    ]
    assert bad == []


DESIGN = ROOT / "docs" / "explanation" / "design.md"
# Beneath the diagram: imported by any package, importing nothing of the package themselves.
FOUNDATIONS = ("errors", "types", "version", "cachedir")
ROOT_MODULES_AT_MOST = 8  # besides __init__ and __main__


def _package_of(module: str) -> str:
    """``translator.engine._lanes`` -> ``engine``; a root module is its own name."""
    return module.split(".")[1]


def _package_graph(modules: dict[str, Path], root: Path = ROOT) -> set[tuple[str, str]]:
    """The arrows between the packages (and root modules), foundations and the root aside."""
    skip = {*FOUNDATIONS, "__init__", "__main__"}
    return {
        (_package_of(module), _package_of(target))
        for module, targets in _module_graph(modules, root).items()
        for target in targets
        if _package_of(module) != _package_of(target)
        and not {_package_of(module), _package_of(target)} & skip
    }


def _documented_graph(text: str) -> set[tuple[str, str]]:
    """The arrows of the design page's mermaid diagram."""
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return {(a.strip(), b.strip()) for a, b in re.findall(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", diagram, re.M)}


def test_the_package_diagram_in_the_docs_is_the_import_graph():
    documented = _documented_graph(DESIGN.read_text(encoding="utf-8"))
    derived = _package_graph(_modules())
    assert {
        "missing from the diagram": derived - documented,
        "drawn but not imported": documented - derived,
    } == {
        "missing from the diagram": set(),
        "drawn but not imported": set(),
    }


def test_the_graph_check_sees_an_arrow_added_inside_a_function(tmp_path):
    """The test of the test: a function-level import from text/ up to engine/ is an arrow."""
    package = tmp_path / "translator"
    for sub in ("text", "engine"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "engine" / "lanes.py").write_text("from ..text.segment import split\n")
    (package / "text" / "segment.py").write_text("def split():\n    from ..engine import lanes\n")
    modules = {".".join(p.relative_to(tmp_path).with_suffix("").parts): p for p in package.rglob("*.py")}
    assert _package_graph(modules, tmp_path) == {("engine", "text"), ("text", "engine")}
    assert _documented_graph("```mermaid\ngraph TD\n  engine --> text\n```") == {("engine", "text")}


def test_the_foundations_import_nothing_of_the_package():
    bad = [
        f"{module} imports {name}"
        for module, path in _modules().items()
        if _package_of(module) in FOUNDATIONS
        for name in _imports(path)
        if name.startswith("translator.")
    ]
    assert bad == []


def test_inside_the_engine_only_its_door_is_the_pipeline():
    bad = [
        module
        for module, path in _modules().items()
        if module.startswith("translator.engine.") and module != "translator.engine.pipeline"
        if "translator.engine.pipeline" in _imports(path)
    ]
    assert bad == []


def test_the_root_of_the_package_holds_few_modules():
    root = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert len(root) <= ROOT_MODULES_AT_MOST, sorted(root)


def test_a_private_module_is_imported_only_inside_its_own_package():
    """A ``_module`` is a helper of its own package's modules (docs/explanation/design.md): no
    module of another package imports it (the tests may: they are white-box)."""
    edges = [(m, t) for m, targets in _module_graph(_modules()).items() for t in targets]
    private = [(m, t) for m, t in edges if t.rpartition(".")[2].startswith("_") and not t.endswith("__")]
    assert len(private) >= 10  # the rule is not vacuous: the helpers are imported, from home
    assert [(m, t) for m, t in private if m.rpartition(".")[0] != t.rpartition(".")[0]] == []


# translator doctor builds tiny models on purpose: its end-to-end run is the one use of them outside tests.
FIXTURE_USERS = ("translator.testing", "translator.cli.doctor")


def test_no_module_of_the_library_imports_the_test_fixtures():
    bad = [
        f"{module} imports {name}"
        for module, path in _modules().items()
        if not module.startswith(FIXTURE_USERS)
        for name in sorted(_imports(path))
        if name == "translator.testing" or name.startswith("translator.testing.")
    ]
    assert bad == []


def test_only_the_server_imports_fastapi_starlette_and_uvicorn():
    web = {"fastapi", "starlette", "uvicorn"}
    bad = [
        m
        for m, p in _modules().items()
        if not m.startswith("translator.server") and any(n.split(".")[0] in web for n in _imports(p))
    ]
    assert bad == []


def test_only_the_ray_engine_imports_ray():
    bad = [
        m
        for m, p in _modules().items()
        if m != "translator.batch.ray_engine" and any(n.split(".")[0] == "ray" for n in _imports(p))
    ]
    assert bad == []


def test_every_subpackage_says_what_it_is_and_what_it_may_not_import():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert doc and ("may not" in doc or "only" in doc or "never" in doc), init


def test_test_modules_do_not_import_each_other_and_scripts_do_not_import_tests():
    for path in (ROOT / "tests").glob("test_*.py"):
        assert not [n for n in _imports(path) if n.startswith("test_")], path.name
    for path in (ROOT / "scripts").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert '"tests"' not in text.replace('"tests" / "data"', ""), f"{path.name} puts tests/ on sys.path"
        assert not {"helpers", "fakes", "conftest", "tiny_models"} & {
            n.split(".")[0] for n in _imports(path)
        }, path.name


def _flag_kinds_in_source() -> set[str]:
    kinds = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Flag" and node.args:
                first = node.args[0]
                assert isinstance(first, ast.Constant), (
                    f"{path}: a Flag kind must be a literal, to be checked here"
                )
                kinds.add(first.value)
    return kinds


def test_every_flag_kind_the_code_emits_is_declared():
    emitted = _flag_kinds_in_source()
    assert {"split", "document", "backend", "number_missing"} <= emitted  # the scan finds them
    assert emitted - set(FLAG_KINDS) == set()


def test_an_undeclared_flag_kind_is_refused():
    with pytest.raises(ValueError, match="undeclared flag kind 'input'"):
        Flag("input", "the batch's old kind")


# Calls that change the whole process, with the one place each may stand.
PROCESS_WIDE = {
    r"os\.umask\(": (),
    r"set_num_threads\(": ("translator/models/hf.py",),  # set_torch_threads, called by the CLI only
    r"\.setLevel\(": (
        "translator/cli/console.py",
        "translator/server/run.py",
    ),  # the edges: a command, the service
    # transformers' logger is the program's to set (the CLI: TRANSFORMERS_VERBOSITY)
    r"set_verbosity\w*\(": (),
    # likewise its progress bars (HF_HUB_DISABLE_PROGRESS_BARS; hf.py's _no_loading_bar sets
    # transformers' loading-bar flag for the length of a load and puts it back)
    r"(enable|disable)_progress_bars?\(": (),
    r"signal\.signal\(": ("translator/cli/entry.py", "translator/server/run.py"),
    r"\b[A-Z]\w*Config\.\w+\s*=[^=]": (),  # patching a library's class
    r"os\.environ\[[^\]]+\]\s*=|os\.environ\.setdefault\(": (
        "translator/cli/console.py",
        "translator/cli/doctor.py",  # the tiny run's conversion into a temporary cache, restored after
    ),
}


@pytest.mark.parametrize("pattern", PROCESS_WIDE)
def test_library_code_leaves_process_wide_state_alone(pattern):
    allowed = PROCESS_WIDE[pattern]
    found = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if re.search(pattern, path.read_text(encoding="utf-8")) and str(path.relative_to(ROOT)) not in allowed
    ]
    assert found == []


def test_set_torch_threads_is_called_by_the_cli_alone():
    callers = [
        p
        for p in PACKAGE.rglob("*.py")
        if "set_torch_threads(" in p.read_text(encoding="utf-8")
        and str(p.relative_to(ROOT)) not in ("translator/models/hf.py", "translator/cli/common.py")
    ]
    assert callers == []


@pytest.mark.slow  # two pipelines loaded and run 8 times: 6 s of the fast tier's 60
def test_two_pipelines_with_different_configs_in_two_threads(tiny_dirs, tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(tiny_config_text(*tiny_dirs), encoding="utf-8")
    head, _ = tiny_config_text(*tiny_dirs).split("summarization:\n")
    second.write_text(
        head.replace("    max_new_tokens: 8\n", "    max_new_tokens: 5\n")
        + "summarization:\n  method: extractive\n  max_words: 20\ncache: null\n",
        encoding="utf-8",
    )
    pipelines = [Pipeline.from_config(first), Pipeline.from_config(second)]
    texts = [" ".join(SENTENCES[i : i + 3]) for i in range(0, 8, 2)]

    def outputs(pipeline):
        return [{k: v for k, v in pipeline(t).to_dict().items() if k != "timings"} for t in texts]

    expected = [outputs(p) for p in pipelines]
    assert expected[0] != expected[1], (
        "the two configs must give different results for the test to mean anything"
    )
    found: list[list] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        start.wait()
        for _ in range(3):
            found[index].append(outputs(pipelines[index]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [[expected[0]] * 3, [expected[1]] * 3]


# The size targets: no module over 400 lines, no class over 150, no function over 60, no exceptions.
MODULE_LINES, CLASS_LINES, FUNCTION_LINES = 400, 150, 60


def _sizes(root: Path = PACKAGE) -> dict[str, int]:
    """Everything over its target: modules by lines, classes and functions (at any depth) by span."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        name = str(path.relative_to(root.parent))
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MODULE_LINES:
            found[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                span = node.end_lineno - node.lineno + 1
                limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
                if span > limit:
                    found[f"{name}::{node.name}"] = max(span, found.get(f"{name}::{node.name}", 0))
    return found


def test_nothing_is_over_the_size_targets():
    assert _sizes() == {}


def test_the_size_check_sees_a_long_function(tmp_path):
    package = tmp_path / "translator"
    package.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(61))
    (package / "long.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}")
    assert _sizes(package) == {"translator/long.py::long": 62}
