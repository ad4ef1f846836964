"""`assistant exec FILE`: runs a file in a sandbox, shows its output, exits with its status."""

import io
import json
from pathlib import Path

import pytest

from core.cli import exec_command
from core.cli.main import main
from tests.sandbox.docker_support import require_docker


@pytest.fixture
def docker():
    require_docker()


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.docker
def test_prints_the_program_output_and_exits_with_its_code(docker, tmp_path, capsys):
    path = write(tmp_path, "hello.py", "import sys\nprint('hi there')\nprint('oops', file=sys.stderr)\nsys.exit(3)")
    assert main(["exec", path, "--sandbox", "docker"]) == 3
    out, err = capsys.readouterr()
    assert out == "hi there\n"
    assert "oops" in err


@pytest.mark.docker
def test_json_prints_the_result_record(docker, tmp_path, capsys):
    path = write(tmp_path, "hello.py", "print('hi')")
    assert main(["exec", path, "--sandbox", "docker", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "ok" and record["stdout"] == "hi\n" and record["sandbox"] == "docker"


@pytest.mark.docker
def test_timeout_exits_124(docker, tmp_path, capsys):
    path = write(tmp_path, "loop.py", "while True:\n    pass\n")
    assert main(["exec", path, "--sandbox", "docker", "--timeout", "1"]) == exec_command.EXIT_TIMEOUT
    assert "[timeout]" in capsys.readouterr().err


@pytest.mark.docker
def test_compile_error_exits_126_with_the_compiler_message(docker, tmp_path, capsys):
    path = write(tmp_path, "broken.c", "int main(void) { return nope; }\n")
    assert main(["exec", path, "--sandbox", "docker"]) == exec_command.EXIT_COMPILE_ERROR
    assert "nope" in capsys.readouterr().err


@pytest.mark.docker
def test_lang_option_overrides_the_extension(docker, tmp_path, capsys):
    path = write(tmp_path, "script.txt", "echo from bash")
    assert main(["exec", path, "--lang", "sh", "--sandbox", "docker"]) == 0
    assert capsys.readouterr().out == "from bash\n"


def test_unavailable_sandbox_exits_125(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DOCKER__IMAGE", "ondevice-assistant-sandbox:no-such-tag")
    path = write(tmp_path, "hello.py", "print('hi')")
    assert main(["exec", path, "--sandbox", "docker"]) == exec_command.EXIT_SANDBOX_ERROR
    assert capsys.readouterr().err.startswith("error: ")


def test_subprocess_sandbox_runs_the_file_too(tmp_path, capsys):
    pytest.importorskip("core.sandbox.local")
    path = write(tmp_path, "hello.py", "print('unisolated')")
    assert main(["exec", path, "--sandbox", "subprocess"]) == 0
    out, err = capsys.readouterr()
    assert out == "unisolated\n" and "without isolation" in err


def test_language_is_guessed_from_the_extension():
    assert exec_command.language_of(Path("a.rs"), None).name == "rust"
    assert exec_command.language_of(Path("a.cc"), None).name == "cpp"
    assert exec_command.language_of(Path("Main.java"), None).name == "java"


def test_unknown_extension_without_lang_is_a_usage_error(tmp_path, capsys):
    path = write(tmp_path, "notes.xyz", "hello")
    assert main(["exec", path]) == 2
    assert "pass --lang" in capsys.readouterr().err


def test_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["exec", str(tmp_path / "absent.py")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["exec", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for code in ("124", "125", "126", "137"):
        assert code in out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_control_characters_are_made_visible_on_a_terminal():
    terminal = FakeTerminal()
    exec_command.terminal_writer(terminal)("\x1b[2Jred\x07\n")
    assert terminal.getvalue() == "\\x1b[2Jred\\x07\n"


def test_output_is_passed_through_unchanged_when_not_a_terminal():
    pipe = io.StringIO()
    exec_command.terminal_writer(pipe)("\x1b[2Jred\n")
    assert pipe.getvalue() == "\x1b[2Jred\n"
