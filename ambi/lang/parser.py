"""Parse .ambi source (into a lark Tree, or straight into closures when the compiler is
the transformer); syntax errors become located AmbiSyntaxErrors.

The grammar lives in ``ambi.lark``. A small postlexer turns every run of newlines and
``;`` into one ``_SEP`` token (none right after ``{`` or before ``}``), drops newlines
inside ``( )`` and ``[ ]``, and remembers which brackets are open, so an error at the
end of the file can say which block was never closed.
"""
import pathlib
import threading

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from ..errors import AmbiError, SourceLoc

_OPEN = {"LBRACE": "}", "LPAR": ")", "LSQB": "]"}
_CLOSE = {"RBRACE", "RPAR", "RSQB"}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "DSLASH", "PERCENT", "AT", "POW", "COMP",
              "AND", "OR", "NOT"}
# Brackets, blocks and chained operators nest the compiled closures, and running them
# nests Python calls: past this many levels a script is refused, at the token that
# crossed the limit, before it runs (docs/errors.md, "Limits").
MAX_NESTING = 1000


class TooDeep(Exception):
    """The postlexer's signal that nesting crossed MAX_NESTING at ``token``."""

    def __init__(self, token):
        super().__init__(token)
        self.token = token


def source_lines(text):
    """The lines as the lexer counts them: split at ``\\n`` only (``str.splitlines``
    also splits at \\x0b, \\x0c, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029)."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


class AmbiSyntaxError(AmbiError, SyntaxError):
    """A script that does not parse, or breaks a rule checked before it runs (exit 2)."""

    anchor = "syntaxerror"


class Postlexer:
    """Newlines and ``;`` -> one ``_SEP`` between statements; track open brackets."""

    always_accept = ("_NL", "SEMI")

    def __init__(self):
        self.open = []  # (closing text, token) for each bracket still open
        self.chain = [0]  # per open bracket (and the top level): operators in a row

    def process(self, stream):
        self.reset()
        pending = None
        for tok in stream:
            kind = tok.type
            if kind in ("_NL", "SEMI"):
                if kind == "SEMI" or not self._in_parens():
                    pending = pending or tok
                    self.chain[-1] = 0
                continue
            if pending is not None and not self._drop_sep(kind):
                yield Token.new_borrow_pos("_SEP", pending.value, pending)
            pending = None
            self._track(tok)
            yield tok

    def _in_parens(self):
        return bool(self.open) and self.open[-1][0] != "}"

    def _drop_sep(self, kind):
        """No separator at the start, after ``{``, before a closing bracket, or between
        ``}`` and elif/else."""
        return kind in _CLOSE or self._last in (None, "LBRACE") or \
            (kind in ("ELSE", "ELIF") and self._last == "RBRACE")

    def _track(self, tok):
        self._last = tok.type
        if tok.type == "LBRACE":  # `if a > b {`: the condition is not inside the block
            self._depth -= self.chain[-1]
            self.chain[-1] = 0
        if tok.type in _OPEN:
            self.open.append((_OPEN[tok.type], tok))
            self.chain.append(0)
            self._depth += 1
        elif tok.type in _CLOSE and self.open and self.open[-1][0] == tok.value:
            self.open.pop()
            self._depth -= 1 + self.chain.pop()
        elif tok.type == "COMMA":
            self._depth -= self.chain[-1]
            self.chain[-1] = 0
        elif tok.type in _OPERATORS:
            self.chain[-1] += 1
            self._depth += 1
        if self._depth > MAX_NESTING:
            raise TooDeep(tok)

    _last = None  # type of the last token passed on

    _depth = 0  # open brackets plus the operators chained at each level

    def reset(self):
        self._last, self.open, self.chain, self._depth = None, [], [0], 0


_POSTLEX = Postlexer()
_PARSERS = {}
# One parse at a time: the postlexer and the compiler (a transformer) hold the state of
# the parse in progress. Parsing is pure Python, so threads lose no parallelism to it.
LOCK = threading.RLock()


def parser(transformer=None):
    """The LALR parser (built once per transformer, about 100 ms). With a transformer
    the tree is never built: each rule calls the transformer's method as it is reduced."""
    key = id(transformer)
    if key not in _PARSERS:
        grammar = (pathlib.Path(__file__).parent / "ambi.lark").read_text()
        _PARSERS[key] = Lark(grammar, parser="lalr", lexer="basic", postlex=_POSTLEX,
                             start="program", maybe_placeholders=True,
                             transformer=transformer)
    return _PARSERS[key]


def _raw_parse(text, transformer=None):
    _POSTLEX.reset()
    return parser(transformer).parse(text)


def parse(text, filename="<script>", transformer=None):
    """Source text -> lark Tree (or what ``transformer`` makes of it), or an
    AmbiSyntaxError at the offending token.

    >>> parse("print(1 + 2)").data
    'program'
    """
    if not text.endswith("\n"):
        text += "\n"
    with LOCK:
        try:
            return _raw_parse(text, transformer)
        except UnexpectedInput as e:
            raise syntax_error(e, text, filename, transformer) from None
        except VisitError as e:  # what a transformer method raised
            raise e.orig_exc from None
        except TooDeep as e:
            raise AmbiSyntaxError(
                f"nested too deeply: more than {MAX_NESTING} levels of brackets, blocks and "
                "chained operators (the limit is in docs/errors.md)",
                loc=loc_at(text, filename, e.token.line, e.token.column)) from None


def loc_at(text, filename, line, col):
    lines = source_lines(text)
    line = max(1, min(line, len(lines) or 1))
    src = lines[line - 1] if lines else ""
    return SourceLoc(filename, line, col, src)


def syntax_error(e, text, filename, transformer=None):
    """Say what was expected, in words; locate it at the token that broke the rule."""
    open_brackets = list(_POSTLEX.open)
    message = _labelled(e, transformer) or _describe(e, open_brackets)
    line, col = _position(e, text)
    return AmbiSyntaxError(message, loc=loc_at(text, filename, line, col))


def _position(e, text):
    tok = getattr(e, "token", None)
    if isinstance(e, UnexpectedEOF) or (tok is not None and tok.type == "$END"):
        lines = source_lines(text.rstrip("\n")) or [""]
        return len(lines), len(lines[-1]) + 1
    if tok is not None and tok.type == "_SEP" and tok.value == ";" and tok.line:
        return tok.line, tok.column
    return e.line, e.column


def _describe(e, open_brackets):
    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character `{e.char}`"
    tok = getattr(e, "token", None)
    expected = set(getattr(e, "expected", ()) or ())
    got = _token_words(tok)
    closer = _unclosed(expected, open_brackets, tok)
    if closer:
        return f"{closer}, found {got}" if got != "the end of the file" else closer
    if tok is not None and tok.type in _CLOSE:
        if open_brackets:
            _, opener = open_brackets[-1]
            return (f"`{tok.value}` does not close the `{opener.value}` opened at "
                    f"{opener.line}:{opener.column}")
        return f"`{tok.value}` without a matching opening bracket"
    wanted = _expected_words(expected)
    return f"unexpected {got}" + (f"; expected {wanted}" if wanted else "")


def _unclosed(expected, open_brackets, tok):
    """`expected `}` to close the block opened at 3:12` when a bracket is still open."""
    if not open_brackets:
        return None
    close, opener = open_brackets[-1]
    name = {"}": "RBRACE", ")": "RPAR", "]": "RSQB"}[close]
    at_end = tok is None or tok.type == "$END"
    if name not in expected and not (at_end and expected):
        return None
    what = "the block" if close == "}" else f"the `{opener.value}`"
    return f"expected `{close}` to close {what} opened at {opener.line}:{opener.column}"


_WORDS = {"NAME": "a name", "INT": "a number", "FLOAT": "a number", "STRING": "a string",
          "_SEP": "the end of the statement", "$END": "the end of the file",
          "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
          "RSQB": "`]`", "COMP": "a comparison", "AUGOP": "`+=`", "EQUAL": "`=`",
          "COMMA": "`,`", "COLON": "`:`"}


def _token_words(tok):
    if tok is None or tok.type == "$END":
        return "the end of the file"
    if tok.type == "_SEP":
        return "`;`" if tok.value == ";" else "the end of the line"
    kinds = {"NAME": "name", "INT": "number", "FLOAT": "number", "STRING": "string"}
    return f"{kinds[tok.type]} `{tok.value}`" if tok.type in kinds else f"`{tok.value}`"


def _expected_words(expected):
    if len(expected) > 6:
        return ""
    words = sorted({_WORDS.get(t, _pattern_words(t)) for t in expected})
    return " or ".join(words)


def _pattern_words(name):
    from lark.lexer import PatternStr
    for t in parser().terminals:
        if t.name == name and isinstance(t.pattern, PatternStr):
            return f"`{t.pattern.value}`"
    return name.lower()


_AFTER_CONDITION = "expected `{` after the condition"

# Frequent mistakes, labelled by example (lark's match_examples): the parser state
# where an example fails picks the message.
_EXAMPLES = {
    _AFTER_CONDITION: ["if x print(x)", "while x print(x)", "if x { } elif y print(y)",
                       "for i in range(3) print(i)"],
    "expected `{` after `else`": ["if x { } else print(x)"],
    "expected a name after `let`": ["let = 1", "let 3 = 1", "let (a) = 1"],
    "expected `=` after the name in `let`": ["let x 3", "let x", "var x 3", "var x"],
    "expected an expression after `=`": ["let x =", "x =", "let x = )", "x = }"],
    "expected `(` after the function's name": ["fn f { }", "fn f x { }"],
    "expected a name for the function after `fn`": ["fn (x) { }", "fn 3() { }"],
    "expected `{` to start the function's body": ["fn f(x) return x", "fn f(x)"],
    "expected `in` after the loop variable": ["for i range(3) { }", "for i = 0 { }"],
    "an operator is missing between two values": ["print(1 2)", "let x = 1 2", "x = a b",
                                                  "print(a b)"],
    "`fn` must follow a decorator such as `@graph`": ["@graph let x = 1", "@graph x"],
    "`else` or `elif` without a matching `if`": ["else { }", "elif x { }", "x = 1\nelse { }",
                                                 "if x { } else { } else { }"],
}


def _labelled(e, transformer=None):
    """The label of an example that failed in the same parser state on the same kind of
    token (or, failing that, in the same state). Keyed on the top state only, so an
    example matches at any nesting depth."""
    key = _error_key(e)
    if key is None:
        return None
    table = _label_table(transformer)
    label = table.get(key) or table.get((key[0], None))
    if label == _AFTER_CONDITION and not _in_header(e):
        # the same parser state ends any expression: `{ print(x) return x }` too
        return "expected `;` or a new line before the next statement"
    return label


_HEADERS = {"IF", "ELIF", "WHILE", "FOR"}


def _in_header(e):
    """Whether the parser stopped inside an `if`/`elif`/`while`/`for` header (a keyword
    shifted since the last `{`), as opposed to after a statement's expression."""
    state = getattr(getattr(e, "interactive_parser", None), "parser_state", None)
    for value in reversed(state.value_stack if state is not None else []):
        kind = getattr(value, "type", None)
        if kind in _HEADERS:
            return True
        if kind == "LBRACE":
            return False
    return state is None  # no stack to read: keep the example's label


_LABELS = {}  # per parser: its LALR state numbers are its own


def _label_table(transformer=None):
    key = id(transformer)
    if key not in _LABELS:  # built under parse()'s LOCK
        table = _LABELS[key] = {}
        for label, examples in _EXAMPLES.items():
            for text in examples:
                try:
                    _raw_parse(text + "\n", transformer)
                except UnexpectedInput as e:  # each example fails to parse, by design
                    where = _error_key(e)
                    if where is not None:
                        table.setdefault(where, label)
                        table.setdefault((where[0], None), label)
                except Exception:  # noqa: BLE001 -- a transformer's static check: no label
                    continue
    return _LABELS[key]


def _error_key(e):
    state, tok = getattr(e, "state", None), getattr(e, "token", None)
    if state is None or tok is None:
        return None
    return state.position, tok.type
