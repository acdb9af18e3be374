"""Measure the size of ambi's source and fail when it outgrows STYLE.md rule 15.

For every .py file under ambi/ this prints its lines of code (non-blank, non-comment),
its number of functions and the median and 90th-percentile function length, largest
files first, then the totals. Small files and short functions keep the code readable;
measuring them in CI (like tinygrad's sz.py) catches the drift as it happens.

It exits non-zero, naming the limit, when a file has more than MAX_FILE_LINES physical
lines, or when, over all functions, the median length exceeds MAX_MEDIAN or the 90th
percentile exceeds MAX_P90. Function length counts from `def` to the last line.

    python tools/size.py
"""

import ast
import math
import statistics
import sys
from pathlib import Path
from typing import NamedTuple

PACKAGE = Path(__file__).resolve().parent.parent / "ambi"
MAX_FILE_LINES = 500
MAX_MEDIAN = 8   # issue 11: the house stays in tinygrad and JAX territory
MAX_P90 = 20


class FileSize(NamedTuple):
    name: str
    physical: int  # every line, for MAX_FILE_LINES
    code: int  # non-blank, non-comment lines, for the table
    functions: list[int]  # length of each function, nested ones and methods included


def measure(path: Path) -> FileSize:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    code = [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [n for n in ast.walk(ast.parse(source, str(path))) if isinstance(n, kinds)]
    lengths = [n.end_lineno - n.lineno + 1 for n in nodes]
    return FileSize(path.relative_to(PACKAGE.parent).as_posix(), len(lines), len(code), lengths)


def median(values: list[int]) -> float:
    return float(statistics.median(values)) if values else 0.0


def p90(values: list[int]) -> int:
    # Nearest rank: always one of the measured lengths, defined for a single value.
    return sorted(values)[math.ceil(0.9 * len(values)) - 1] if values else 0


def print_table(files: list[FileSize], functions: list[int]) -> None:
    row = "{:<50} {:>6} {:>6} {:>7} {:>5}".format
    print(row("file", "lines", "funcs", "median", "p90"))
    for f in files:
        print(row(f.name, f.code, len(f.functions), median(f.functions), p90(f.functions)))
    total = sum(f.code for f in files)
    print(row("total", total, len(functions), median(functions), p90(functions)))


def failures(files: list[FileSize], functions: list[int]) -> list[str]:
    errors = [f"{f.name}: {f.physical} lines > MAX_FILE_LINES = {MAX_FILE_LINES}"
              for f in files if f.physical > MAX_FILE_LINES]
    if median(functions) > MAX_MEDIAN:
        errors.append(f"median function length {median(functions)} > MAX_MEDIAN = {MAX_MEDIAN}")
    if p90(functions) > MAX_P90:
        errors.append(f"p90 function length {p90(functions)} > MAX_P90 = {MAX_P90}")
    return errors


def main() -> int:
    paths = sorted(PACKAGE.rglob("*.py")) if PACKAGE.is_dir() else []
    if not paths:
        print(f"no Python files under {PACKAGE}: nothing to measure")
        return 0
    files = sorted((measure(p) for p in paths), key=lambda f: (-f.code, f.name))
    functions = [n for f in files for n in f.functions]
    print_table(files, functions)
    errors = failures(files, functions)
    for error in errors:
        print(f"size limit exceeded: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
