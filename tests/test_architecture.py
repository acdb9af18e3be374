"""The layers of docs/architecture.md hold: every import, inside functions too, goes down
the stack, and no package has a circle of modules (the contract is in pyproject.toml and
`lint-imports` checks it in .ci/run; this test runs the same check)."""
import pathlib
import re
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _contracts():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_contract_names_every_top_level_module():
    """A new module must be given a layer, or the contract would not check it."""
    layers = next(c for c in _contracts()["contracts"] if c["type"] == "layers")["layers"]
    named = {m.strip("() ") for layer in layers for m in layer.replace(":", "|").split("|")}
    ambi = ROOT / "ambi"
    modules = {f"ambi.{p.stem}" for p in ambi.glob("*.py") if p.stem != "__init__"}
    modules |= {f"ambi.{p.parent.name}" for p in ambi.glob("*/__init__.py")}
    assert modules - named == set()


def test_imports_follow_the_layers():
    pytest.importorskip("importlinter", reason="import-linter is in the [dev] extra")
    from importlinter import cli
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                            no_logo=True) == 0


def test_only_core_touches_the_mode():
    """The trace stack, the tapes and the device scope are read and changed through
    core's API (current_trace, recording, taping, suspended, ...), never directly."""
    stacks = re.compile(r"\b_(traces|tapes|scopes?)\b")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "ambi").rglob("*.py"))
                 if p.name != "core.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1) if stacks.search(line)]
    assert offenders == []
