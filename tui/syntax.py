"""Syntax highlighting for every language in core.languages, in a Textual TextArea.

textual[syntax] ships grammars for Python, JavaScript, Rust, Go, Java and Bash. C, C++ and
TypeScript come from the tree-sitter-c / -cpp / -typescript wheels, registered per TextArea with
their own highlight queries (the C++ and TypeScript queries extend the C and JavaScript ones, as
the grammars' own editors combine them).

py-tree-sitter 0.26 corrupts memory (a later segfault) when a query holds the `(#is-not? local)`
predicate, which textual's JavaScript query uses twice; Textual never evaluates locals, so the
predicate is dropped from the JavaScript and TypeScript queries registered here. When a grammar
cannot be loaded at all the code is shown as plain text.
"""

import re
from functools import cache
from importlib import import_module
from importlib.resources import files
from pathlib import Path

import textual
from textual.widgets import TextArea

# core language name → the name textual's bundled grammar goes by
BUILTIN = {"python": "python", "rust": "rust", "go": "go", "java": "java", "bash": "bash"}

_TEXTUAL_QUERIES = Path(textual.__file__).parent / "tree-sitter" / "highlights"
_LOCALS_PREDICATE = re.compile(r"\s*\(#is-not\?\s+local\)")


def _package_query(package: str) -> str:
    return (files(package) / "queries" / "highlights.scm").read_text(encoding="utf-8")


def _javascript_query() -> str:
    text = (_TEXTUAL_QUERIES / "javascript.scm").read_text(encoding="utf-8")
    return _LOCALS_PREDICATE.sub("", text)


@cache
def registered_grammar(name: str) -> tuple[object, str] | None:
    """(tree-sitter Language, highlight query) for javascript / typescript / c / cpp, or None
    when the grammar wheel is missing or does not fit the installed tree-sitter."""
    try:
        from tree_sitter import Language, Query

        if name == "javascript":
            language = Language(import_module("tree_sitter_javascript").language())
            query = _javascript_query()
        elif name == "typescript":
            language = Language(import_module("tree_sitter_typescript").language_typescript())
            query = _javascript_query() + "\n" + _package_query("tree_sitter_typescript")
        elif name == "c":
            language = Language(import_module("tree_sitter_c").language())
            query = _package_query("tree_sitter_c")
        elif name == "cpp":
            language = Language(import_module("tree_sitter_cpp").language())
            query = _package_query("tree_sitter_c") + "\n" + _package_query("tree_sitter_cpp")
        else:
            return None
        Query(language, query)  # a query this grammar rejects must not reach the widget
    except Exception:  # noqa: BLE001 - any failure here means: show the code unhighlighted
        return None
    return language, query


def textarea_language(text_area: TextArea, language_name: str) -> str | None:
    """Make `language_name` highlightable in `text_area`; return the name to assign to
    `text_area.language`, or None when only plain text is possible."""
    if language_name in BUILTIN:
        name = BUILTIN[language_name]
        return name if name in text_area.available_languages else None
    grammar = registered_grammar(language_name)
    if grammar is None:
        return None
    text_area.register_language(language_name, grammar[0], grammar[1])
    return language_name
