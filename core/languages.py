"""The languages the assistant can write and run: file names, fence tags, compile and run steps.

Commands are argv lists run inside the sandbox's work directory. `{workdir}` in an `env` value is
replaced by the executor with the absolute work directory it uses.
"""

from dataclasses import dataclass, field

from core.errors import UnknownLanguageError


@dataclass(frozen=True)
class Language:
    name: str
    display_name: str
    aliases: tuple[str, ...]
    extension: str
    source_file: str
    run: tuple[str, ...]
    compile: tuple[str, ...] | None = None
    toolchain: tuple[str, ...] = ()
    debian_packages: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def fence_tags(self) -> tuple[str, ...]:
        """Tags accepted after ``` for this language (lower case)."""
        return (self.name, *self.aliases)

    @property
    def is_compiled(self) -> bool:
        return self.compile is not None


LANGUAGES: tuple[Language, ...] = (
    Language(
        name="python", display_name="Python", aliases=("py", "python3"), extension="py",
        source_file="main.py", run=("python3", "-B", "main.py"),
        toolchain=("python3",), debian_packages=("python3",),
        env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"},
    ),
    Language(
        name="javascript", display_name="JavaScript", aliases=("js", "node", "nodejs"),
        extension="js", source_file="main.js", run=("node", "main.js"),
        toolchain=("node",), debian_packages=("nodejs",),
    ),
    Language(
        name="typescript", display_name="TypeScript", aliases=("ts",), extension="ts",
        source_file="main.ts",
        compile=("tsc", "--target", "es2020", "--module", "commonjs", "--types", "node",
                 "--skipLibCheck", "--outDir", ".", "main.ts"),
        run=("node", "main.js"),
        toolchain=("tsc", "node"), debian_packages=("nodejs", "npm (then: npm install -g typescript @types/node)"),
    ),
    Language(
        name="rust", display_name="Rust", aliases=("rs",), extension="rs", source_file="main.rs",
        compile=("rustc", "--edition", "2021", "-O", "-o", "main", "main.rs"), run=("./main",),
        toolchain=("rustc",), debian_packages=("rustc",),
    ),
    Language(
        name="go", display_name="Go", aliases=("golang",), extension="go", source_file="main.go",
        compile=("go", "build", "-o", "main", "main.go"), run=("./main",),
        toolchain=("go",), debian_packages=("golang-go",),
        env={"GOCACHE": "{workdir}/.gocache", "GOPATH": "{workdir}/.gopath",
             "GO111MODULE": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"},
    ),
    Language(
        name="c", display_name="C", aliases=("h",), extension="c", source_file="main.c",
        compile=("gcc", "-O2", "-std=c17", "-Wall", "-o", "main", "main.c", "-lm"), run=("./main",),
        toolchain=("gcc",), debian_packages=("gcc", "libc6-dev"),
    ),
    Language(
        name="cpp", display_name="C++", aliases=("c++", "cxx", "cc", "hpp"), extension="cpp",
        source_file="main.cpp",
        compile=("g++", "-O2", "-std=c++17", "-Wall", "-o", "main", "main.cpp"), run=("./main",),
        toolchain=("g++",), debian_packages=("g++",),
    ),
    Language(
        name="java", display_name="Java", aliases=(), extension="java", source_file="Main.java",
        compile=("javac", "-J-Xms16m", "-J-Xmx256m", "-J-XX:+UseSerialGC", "Main.java"),
        run=("java", "-Xms16m", "-Xmx256m", "-XX:+UseSerialGC", "-Xss8m", "-cp", ".", "Main"),
        toolchain=("javac", "java"), debian_packages=("default-jdk-headless",),
    ),
    Language(
        name="bash", display_name="Bash", aliases=("sh", "shell", "zsh"), extension="sh",
        source_file="main.sh", run=("bash", "main.sh"),
        toolchain=("bash",), debian_packages=("bash",),
    ),
)

_BY_TAG: dict[str, Language] = {tag: lang for lang in LANGUAGES for tag in lang.fence_tags}


def resolve_language(name: str) -> Language:
    """Look up a language by name or alias, case-insensitively (`Rust`, `rs`, `c++`)."""
    language = _BY_TAG.get(name.strip().lower())
    if language is None:
        allowed = ", ".join(lang.name for lang in LANGUAGES)
        raise UnknownLanguageError(f"unknown language {name!r}: choose one of {allowed}")
    return language


def language_for_fence_tag(tag: str) -> Language | None:
    """The language a code fence's info string names, or None."""
    words = tag.strip().lower().split()
    return _BY_TAG.get(words[0]) if words else None
