"""docs/errors.md has a section for every AmbiError class, at the class's anchor."""
import pathlib
import re

import ambi  # noqa: F401
import ambi.lang  # noqa: F401  (its error classes too)
from ambi.errors import AmbiError

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "errors.md"


def all_error_classes(cls=AmbiError):
    yield cls
    for sub in cls.__subclasses__():
        yield from all_error_classes(sub)


def test_every_error_class_has_a_documented_anchor():
    anchors = set(re.findall(r'<a id="([a-z]+)"></a>', DOC.read_text()))
    missing = {c.__name__ for c in all_error_classes() if c.anchor not in anchors}
    assert not missing, f"add a section to docs/errors.md for {sorted(missing)}"
