"""The op record is the only place an op is known (issue 11): the passes, the interpreters,
autodiff and the devices read the records' flags and rules, never an op's name or object.

An AST scan of every module in those packages fails on
(a) a string constant, other than a docstring, equal to a registered op's name;
(b) an imported op record (``from ..ops.control import cond``), or an attribute that
    resolves to one through imported modules (``control.cond``, ``am.ops.exp``);
except the IR's own ``arg`` and ``const`` (``ambi.ir.ops_ir.ARG``/``CONST``) and the files
in ALLOWED (and the words in NOT_OPS, where a field only shares an op's name).
"""
import ast
import importlib
import importlib.util
import pathlib
import types

import pytest

import ambi
from ambi.ir.opdef import REGISTRY, OpDef
from ambi.ir.ops_ir import ARG, CONST

ROOT = pathlib.Path(ambi.__file__).parent
EXEMPT = (ARG, CONST)
OP_NAMES = set(REGISTRY) - {op.name for op in EXEMPT}

# path under ambi/ -> why that file may name ops (the devices' documented kernel-family
# table, once it exists); every other file in the scanned packages may not.
ALLOWED = {"devices/cl_ops.py": "FAMILIES, the kernel-family table: family names some "
                                  "ops share (docs/devices.md)"}
# (path under ambi/, word) -> what the word means there: a field that shares an op's name.
_MATMUL_PARAM = "the KernelParams field and the probe check that chooses it"
NOT_OPS = {("passes/manager.py", "round"): "a pass stats record's field (the -O1 round)",
           **{(f"devices/{f}.py", "matmul"): _MATMUL_PARAM
              for f in ("cl_params", "probe", "probe_cases", "probe_child")}}

PACKAGES = ["passes", "interp", "autodiff", "devices"]


def _docstrings(tree):
    """ids of the string constants that are docstrings."""
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _module(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _bound(node, package):
    """(local name, object) for each name an import binds; only ambi's modules count."""
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.name.split(".")[0] == "ambi":
                yield (a.asname, _module(a.name)) if a.asname else ("ambi", ambi)
        return
    base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
        if node.level else node.module
    if not base or base.split(".")[0] != "ambi":
        return
    for a in node.names:
        obj = _module(f"{base}.{a.name}") if a.name != "*" else None
        if obj is None:
            obj = getattr(_module(base), a.name, None)
        yield a.asname or a.name, obj


def _resolve(node, names):
    """The object an attribute chain on an imported name gives, following modules only."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        if isinstance(base, types.ModuleType):
            return getattr(base, node.attr, None)
    return None


def _is_op(obj):
    return isinstance(obj, OpDef) and not any(obj is op for op in EXEMPT)


def scan(source, module, where, words=frozenset()):
    """Findings ``where:LINE: ...`` for the module ``module`` (dotted name) of ``source``;
    ``words``: strings that are not op names there."""
    tree = ast.parse(source)
    package = module if where.endswith("__init__.py") else module.rpartition(".")[0]
    docs, names, found = _docstrings(tree), {}, []  # found: (node, what)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, obj in _bound(node, package):
                names[local] = obj
                if _is_op(obj):
                    found.append((node, f"imports the op record {obj.name!r}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in OP_NAMES - words \
                and id(node) not in docs:
            found.append((node, f"names the op {node.value!r}"))
        elif isinstance(node, ast.Attribute) and _is_op(obj := _resolve(node, names)):
            found.append((node, f"reaches the op record {obj.name!r} as {ast.unparse(node)}"))
    found.sort(key=lambda f: (f[0].lineno, f[0].col_offset))
    return [f"{where}:{node.lineno}: {what}" for node, what in found]


def _scan_file(path):
    rel = path.relative_to(ROOT.parent)
    module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
    where = str(path.relative_to(ROOT))
    words = {word for (file, word) in NOT_OPS if file == where}
    return scan(path.read_text(), module, str(rel), words)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_op_is_known_by_name_or_object_outside_the_ops(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    found = [f for path in files if str(path.relative_to(ROOT)) not in ALLOWED
             for f in _scan_file(path)]
    assert not found, "op knowledge outside ambi/ops (read flags and rules instead):\n" \
        + "\n".join(found)


def test_the_scan_finds_names_imports_and_attributes():
    source = '''"""A docstring may say fused or 'cond'."""
import ambi as am
from ambi.ops import control
from ambi.ops.elementwise import exp
from ..ir.ops_ir import ARG, CONST

def f(g, n):
    """Nor is 'multiply' here a finding."""
    return (g[n]["op"] is control.cond, am.ops.sin, "fused", "const", ARG, CONST,
            control.cond.name, "fusion")
'''
    found = scan(source, "ambi.passes.example", "passes/example.py")
    assert [f.split(": ", 1)[1] for f in found] == [
        "imports the op record 'exp'",
        "reaches the op record 'cond' as control.cond",
        "reaches the op record 'sin' as am.ops.sin",
        "names the op 'fused'",
        "reaches the op record 'cond' as control.cond",
    ]
