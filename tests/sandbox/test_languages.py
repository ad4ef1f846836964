"""Every language runs a hello world in the Docker sandbox; every compiled one reports a compile
error with the compiler's message kept."""

import pytest

from core.languages import LANGUAGES
from core.sandbox.base import RunLimits, RunStatus
from tests.sandbox.docker_support import open_docker_sandbox, run

pytestmark = pytest.mark.docker

LIMITS = RunLimits(timeout_seconds=10, compile_timeout_seconds=60, memory_mb=512, max_processes=64,
                   output_cap_bytes=64 * 1024, disk_mb=64)

HELLO = {
    "python": 'print("hello from python")',
    "javascript": 'console.log("hello from javascript")',
    "typescript": 'const who: string = "typescript";\nconsole.log(`hello from ${who}`);',
    "rust": 'fn main() { println!("hello from rust"); }',
    "go": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello from go") }\n',
    "c": '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }\n',
    "cpp": '#include <iostream>\nint main() { std::cout << "hello from cpp" << std::endl; }\n',
    "java": 'public class Main { public static void main(String[] a) { System.out.println("hello from java"); } }',
    "bash": 'echo "hello from bash"',
}

# language → (broken program, a word the compiler's message must contain)
BROKEN = {
    "typescript": ('const n: number = "not a number";\nconsole.log(n);', "TS2322"),
    "rust": ('fn main() { let x: i32 = "text"; }', "mismatched types"),
    "go": ('package main\nfunc main() { undefinedName() }\n', "undefined"),
    "c": ('int main(void) { return missing_function_xyz(; }\n', "error"),
    "cpp": ('int main() { undeclared_thing_xyz = 1; }\n', "undeclared_thing_xyz"),
    "java": ('public class Main { public static void main(String[] a) { int x = "s"; } }', "incompatible types"),
}


@pytest.fixture(scope="module")
def sandbox():
    sandbox = open_docker_sandbox(limits=LIMITS)
    yield sandbox
    sandbox.close()


def test_every_language_has_a_hello_world_here():
    assert sorted(HELLO) == sorted(lang.name for lang in LANGUAGES)
    assert sorted(BROKEN) == sorted(lang.name for lang in LANGUAGES if lang.is_compiled)


@pytest.mark.parametrize("lang", sorted(HELLO))
def test_hello_world_runs(sandbox, lang):
    result = run(sandbox, HELLO[lang], lang, LIMITS)
    assert result.status is RunStatus.OK, result
    assert result.stdout == f"hello from {lang}\n"
    assert result.exit_code == 0


@pytest.mark.parametrize("lang", sorted(BROKEN))
def test_compile_error_keeps_the_compiler_message(sandbox, lang):
    code, expected = BROKEN[lang]
    result = run(sandbox, code, lang, LIMITS)
    assert result.status is RunStatus.COMPILE_ERROR, result
    assert expected in result.compile_output
    assert result.exit_code != 0
    assert result.stdout == ""


def test_compile_step_has_its_own_timeout(sandbox):
    limits = RunLimits(timeout_seconds=10, compile_timeout_seconds=0.05, memory_mb=512, max_processes=64,
                       output_cap_bytes=64 * 1024, disk_mb=64)
    result = run(sandbox, HELLO["rust"], "rust", limits)
    assert result.status is RunStatus.TIMEOUT, result
    assert "compile step" in result.detail
