"""Grammar coverage: precedence as in Python, separators, positions, literals."""
import pytest

from ambi.lang.checking import run_captured
from ambi.lang.parser import AmbiSyntaxError, parse


def out(text, mode="eager"):
    result, error = run_captured(text, "p.ambi", mode, None)
    assert error is None, error
    return result


@pytest.mark.parametrize("expr,expected", [
    ("2 + 3 * 4", "14"), ("(2 + 3) * 4", "20"), ("-2 ** 2", "-4"), ("2 ** -1", "0.5"),
    ("2 ** 3 ** 2", "512"), ("7 // 2 * 2", "6"), ("7 % 4 - 1", "2"), ("10 - 4 - 3", "3"),
    ("1 + 2 < 4", "True"), ("1 < 2 < 3", "True"), ("3 > 2 > 2", "False"),
    ("not 1 > 2", "True"), ("true or false and false", "True"),
    ("not true or true", "True"), ("[1, 2] * 3 + 1", "[4 7]"), ("-[1.0, 2.0] ** 2", "[-1. -4.]"),
    ("matmul([[1.0, 2.0]], [[3.0], [4.0]]) @ [[2.0]]", "[[22.]]"),
    ("[[1, 2], [3, 4]] @ [[1], [1]] * 2", "[[ 6]\n [14]]"),
    ("[1, 2] == [1, 3]", "[ True False]"), ("[1.0, 2.0][1]", "2.0"),
    ("[[1, 2, 3], [4, 5, 6]][:, 1:]", "[[2 3]\n [5 6]]"), ("[1, 2, 3, 4][::2]", "[1 3]"),
    ("[[1, 2], [3, 4]][..., 0]", "[1 3]"), ("[1, 2, 3][-1]", "3"),
])
def test_precedence_and_operators(expr, expected):
    assert out(f"print({expr})") == expected + "\n"
    assert out(f"print({expr})", "graph0") == expected + "\n"


def test_literals_dtypes():
    assert out("print(cast([1, 2], float32) + 0.5)") == "[1.5 2.5]\n"
    assert out('print("a\\tb", \'q\')') == "a\tb q\n"
    assert out("let x = [[2.0]]\nx = x * 2\nprint(x)") == "[[4.]]\n"
    assert out("print(1.5e1, .5, 3., 2E-1)") == "15.0 0.5 3.0 0.2\n"


def test_statement_separators_and_comments():
    text = "let a = 1; let b = 2;; print(a + b)  # three\n\n\n# only a comment\n"
    assert out(text) == "3\n"
    assert out("if true {\n\n  print(1) ; print(2)\n\n}\nelse { print(3) }") == "1\n2\n"
    assert out("print(\n  1,\n  2\n)\nlet x = [\n  1,\n  2,\n]\nprint(x)") == "1 2\n[1 2]\n"


def test_keyword_arguments_and_trailing_commas():
    assert out("print(sum([[1, 2], [3, 4]], axis=0,))") == "[4 6]\n"
    assert out("print(reduce_max([[1, 5], [3, 4]], axis=1, keepdims=true))") == "[[5]\n [4]]\n"


def test_positions_are_recorded():
    tree = parse("let a = 1\n  print(a + 2)\n")
    callee = tree.children[1].children[0].children[0].children[0]
    assert (str(callee), callee.line, callee.column) == ("print", 2, 3)
    _, error = run_captured("let a = 1\n  print(a +\n [1, 2] @ [3])", "p.ambi", "eager", None)
    assert error.splitlines()[0].startswith("p.ambi:3:9: error: matmul")


def test_keyword_is_not_a_name():
    with pytest.raises(AmbiSyntaxError):
        parse("let if = 3")


def test_empty_program_and_empty_blocks():
    assert out("") == ""
    assert out("# nothing\n\n") == ""
    assert out("fn f() { }\nf()\nif true { } else { }\nprint(1)") == "1\n"


def test_keyword_argument_errors():
    with pytest.raises(AmbiSyntaxError, match="given twice"):
        from ambi.lang import compile_source
        compile_source("print(sum([1], axis=0, axis=0))")
    with pytest.raises(AmbiSyntaxError, match="positional argument cannot follow"):
        from ambi.lang import compile_source
        compile_source("print(sum(axis=0, [1]))")
