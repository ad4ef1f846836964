"""The loop where the behaviour is about running: the scripted model with the real bubblewrap
sandbox (host toolchains) — timeouts, compile errors, cancel mid-run, tests, Java class names."""

import shutil
import threading

import pytest

from core.config import Config
from core.sandbox.factory import open_sandbox
from tests.conftest import require
from tests.support.scripted_model import fenced

pytestmark = pytest.mark.bwrap


@pytest.fixture(scope="module")
def sandbox():
    from core.sandbox import bwrap

    require(bwrap.unavailable_reason() is None, "bubblewrap")
    box = open_sandbox(Config(), "bwrap")
    yield box
    box.close()


def test_timeout_then_fix_with_a_real_endless_loop(harness, sandbox):
    session = harness.session([fenced("while True:\n    pass"), fenced("print('done')")], sandbox=sandbox)
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    first = harness.of("AttemptFinished")[0].record
    assert first.status == "timeout" and first.verdict.startswith("timed out")
    assert "stopped after 2 s" in harness.model.conversations[1][-1].content


def test_compile_error_then_fix_with_gcc(harness, sandbox):
    require(shutil.which("gcc") is not None, "gcc")
    broken = fenced('#include <stdio.h>\nint main(void) { printf("hi\\n") return 0; }', "c")
    fixed = fenced('#include <stdio.h>\nint main(void) { printf("hi\\n"); return 0; }', "c")
    session = harness.session([broken, fixed], sandbox=sandbox, language="c")
    outcome = session.run()

    assert outcome.success
    first = harness.of("AttemptFinished")[0].record
    assert first.status == "compile_error" and "error" in first.compile_output
    assert "expected" in harness.model.conversations[1][-1].content
    assert first.durations["compile_s"] > 0


def test_cancel_while_a_real_program_runs(harness, sandbox):
    code = "import time\nprint('started', flush=True)\ntime.sleep(30)"

    def on_event(event):
        if type(event).__name__ == "RunOutput" and "started" in event.text:
            threading.Timer(0.1, session.cancel).start()

    session = harness.session([fenced(code)], sandbox=sandbox, on_event=on_event)
    outcome = session.run()

    assert outcome.reason == "cancelled"
    record = harness.of("AttemptFinished")[0].record
    assert record.status == "cancelled" and record.stdout == "started\n"
    assert harness.history(session)["attempts"][0]["status"] == "cancelled"


def test_test_file_runs_against_the_generated_code(harness, sandbox, tmp_path):
    tests = tmp_path / "test_add.py"
    tests.write_text("from main import add\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    wrong = fenced("def add(a, b):\n    return a * b\n\nif __name__ == '__main__':\n    print(add(2, 2))")
    right = fenced("def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(2, 2))")
    session = harness.session([wrong, right], sandbox=sandbox, test_file=tests)
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    first, second = (e.record for e in harness.of("AttemptFinished"))
    assert (first.status, first.verdict) == ("tests_failed", "tests failed: 0 passed, 1 failed")
    assert "FAILED test_add (line 4: assert add(2, 3) == 5)" in first.test_output
    assert second.test_output.endswith("1 passed, 0 failed\n")


def test_java_class_not_named_main_still_compiles_and_runs(harness, sandbox):
    require(shutil.which("javac") is not None, "javac")
    code = 'public class Greeter {\n  public static void main(String[] a) { System.out.println("hi"); }\n}'
    session = harness.session([fenced(code, "java")], sandbox=sandbox, language="java",
                              expect_output="hi\n")
    outcome = session.run()

    assert outcome.success, harness.of("AttemptFinished")[0].record.verdict
    assert harness.of("RunStarted")[0].command[-1] == "Greeter"
    assert (session.output_dir / "final_code.java").read_text() == code + "\n"


@pytest.mark.docker
def test_test_file_and_cancel_work_in_the_docker_sandbox(harness, tmp_path):
    from core.config import DockerConfig
    from core.sandbox import docker

    require(docker.unavailable_reason(DockerConfig()) is None, "a Docker engine with the sandbox image")
    tests = tmp_path / "test_add.py"
    tests.write_text("from main import add\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    box = open_sandbox(Config(), "docker")
    try:
        right = fenced("def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(2, 2))")
        session = harness.session([right], sandbox=box, test_file=tests)
        assert session.run().success
        assert harness.of("AttemptFinished")[0].record.test_output.endswith("1 passed, 0 failed\n")

        def on_event(event):
            if type(event).__name__ == "RunOutput" and "started" in event.text:
                threading.Timer(0.1, session.cancel).start()

        code = "import time\nprint('started', flush=True)\ntime.sleep(30)"
        session = harness.session([fenced(code)], sandbox=box, on_event=on_event)
        assert session.run().reason == "cancelled"
    finally:
        box.close()
