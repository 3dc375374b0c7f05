"""The package layout (README, "Layout"): no two modules of ``verify`` import each other, directly or
through a chain, counting imports inside functions too; sub-packages stay near a dozen modules."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1] / "verify"


def _modules() -> dict:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph() -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for cand in [target] + [f"{target}.{a.name}" for a in node.names]:
                if cand in mods and cand != name and not cand.endswith("__init__"):
                    g.add_edge(name, cand)
    return g


def test_no_import_cycles():
    g = import_graph()
    # a package's __init__ is imported by its own modules' parents only implicitly: drop package nodes
    g.remove_nodes_from([m for m, p in _modules().items() if p.name == "__init__.py"])
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_the_checker_sees_a_cycle():
    # the checker itself must be able to fail: the engine's metrics imports the adaptive engine
    g = import_graph()
    assert g.has_edge("verify.engine.metrics", "verify.engine.adaptive")
    g.add_edge("verify.engine.adaptive", "verify.engine.metrics")
    assert list(nx.simple_cycles(g))


def test_sub_packages_stay_small():
    for pkg in [p for p in ROOT.rglob("__init__.py")]:
        mods = [m for m in pkg.parent.glob("*.py") if m.name != "__init__.py"]
        assert len(mods) <= 15, f"{pkg.parent.name} holds {len(mods)} modules: split it by sub-stage"


def test_ci_runs_the_readme_test_command():
    """CI must run the very test command the README shows a newcomer (the guide's contract)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    test_cmds = [ln.strip() for b in blocks for ln in b.splitlines() if "-m pytest" in ln]
    assert test_cmds, "the README shows no pytest command"
    readme_cmd = test_cmds[0]
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_cmd in [ln.strip() for ln in ci.splitlines()], (readme_cmd, ci)
