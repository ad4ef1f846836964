"""Find the program in a model's answer: the last complete fenced block of the target language.

Only the answer channel reaches this module (harmony reasoning never does). Choice: the last
complete block whose tag names the target language, else the last complete untagged block,
else None (the engine's verdict no_code). A block still open at the end of the answer (cut off
by max_tokens) is not complete and never chosen.
"""

import re
from dataclasses import dataclass, replace

from core.languages import Language, language_for_fence_tag

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class CodeBlock:
    tag: str
    code: str


def code_blocks(text: str) -> list[CodeBlock]:
    """Complete fenced blocks in order (CommonMark rules: a closing fence uses the same
    character, is at least as long as the opening one and has no info string)."""
    blocks: list[CodeBlock] = []
    opening: tuple[str, str] | None = None  # (fence, tag)
    body: list[str] = []
    for line in text.splitlines():
        match = _FENCE.match(line)
        if opening is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opening = (match.group(1), match.group(2).strip())
                body = []
            continue
        fence, tag = opening
        if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not match.group(2).strip():
            blocks.append(CodeBlock(tag, "\n".join(body) + ("\n" if body else "")))
            opening = None
        else:
            body.append(line)
    return blocks


def extract_code(text: str, language: Language) -> str | None:
    """The program for `language` in `text`, or None when there is no usable block (a block
    holding only whitespace is none: an empty program would "pass" by exiting 0)."""
    blocks = [block for block in code_blocks(text) if block.code.strip()]
    for block in reversed(blocks):
        if language_for_fence_tag(block.tag) == language:
            return block.code
    for block in reversed(blocks):
        if not block.tag:
            return block.code
    return None


_JAVA_PUBLIC_CLASS = re.compile(r"^\s*public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)", re.M)
_JAVA_CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
_JAVA_MAIN = re.compile(r"\bstatic\s+(?:final\s+)?void\s+main\s*\(")


def java_entry_class(code: str) -> str:
    """The class Java must be compiled and started as: the top-level public class (javac wants
    the file named after it), else the class declaring main(), else Main."""
    public = _JAVA_PUBLIC_CLASS.search(code)
    if public:
        return public.group(1)
    main = _JAVA_MAIN.search(code)
    if main:
        before = _JAVA_CLASS.findall(code[: main.start()])
        if before:
            return before[-1]
    return "Main"


def language_for_code(language: Language, code: str) -> Language:
    """The language with its file name and commands adapted to this code. Only Java needs it:
    the prompt asks for `public class Main`; when a model names the class otherwise, the file
    and the commands follow the class instead of rewriting the model's code."""
    if language.name != "java":
        return language
    entry = java_entry_class(code)
    if entry == "Main":
        return language

    def swap(argv: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if argv is None:
            return None
        return tuple({"Main.java": f"{entry}.java", "Main": entry}.get(arg, arg) for arg in argv)

    return replace(language, source_file=f"{entry}.java", compile=swap(language.compile),
                   run=swap(language.run) or language.run)
