"""Behaviour every host sandbox (bwrap, firejail, subprocess) must show against real programs.

A test module subclasses `HostSandboxContract` and provides the fixture `sandbox`. Where an
executor is documented to be weaker (see the README's security table), its module overrides the
one test with one asserting the weaker behaviour.
"""

import os
import random
import threading
import time
from pathlib import Path

import pytest

from core.cancel import CancelToken
from core.errors import ToolchainMissingError
from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunResult, RunStatus

PROJECT_DIR = Path(__file__).resolve().parents[2]
LIMITS = RunLimits(timeout_seconds=2, compile_timeout_seconds=60, memory_mb=256, max_processes=32,
                   output_cap_bytes=64 * 1024, disk_mb=16)

HELLO = {
    "python": 'print("hello from python")',
    "javascript": 'console.log("hello from javascript")',
    "typescript": 'const who: string = "typescript";\nconsole.log(`hello from ${who}`);',
    "rust": 'fn main() { println!("hello from rust"); }',
    "go": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello from go") }',
    "c": '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }',
    "cpp": '#include <iostream>\nint main() { std::cout << "hello from cpp\\n"; }',
    "java": 'public class Main { public static void main(String[] a) '
            '{ System.out.println("hello from java"); } }',
    "bash": 'echo "hello from bash"',
}
BROKEN = {
    "typescript": 'const n: number = "not a number";\nconsole.log(n);',
    "rust": 'fn main() { let x: i32 = "text"; }',
    "go": 'package main\nfunc main() { undefined_name() }',
    "c": 'int main(void) { return missing_function_xyz(); }',
    "cpp": 'int main() { undeclared_thing_xyz = 1; }',
    "java": 'public class Main { public static void main(String[] a) { int x = "s"; } }',
}


def has_toolchain(sandbox, name: str) -> bool:
    """Whether `sandbox` can run `name` on this host (its own check, e.g. Firejail's home rule)."""
    try:
        sandbox.check(resolve_language(name))
    except ToolchainMissingError:
        return False
    return True


def run(sandbox, code: str | bytes, lang: str = "python", limits: RunLimits = LIMITS, **kwargs) -> RunResult:
    language = resolve_language(lang)
    return sandbox.run({language.source_file: code}, language, limits, **kwargs)


def process_with_argv(argv: list[str]) -> int | None:
    """The pid of a host process whose command line is exactly `argv`, or None."""
    wanted = "\0".join(argv).encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path("/proc", entry, "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    return int(entry)
            except OSError:
                continue
    return None


@pytest.fixture
def home_secret():
    """A file in the real home directory that no sandboxed program may see."""
    path = Path.home() / f".assistant-test-secret-{random.randint(10**8, 10**9)}"
    path.write_text("secret")
    yield path
    path.unlink()


class HostSandboxContract:
    # ---- languages -------------------------------------------------------------------------
    @pytest.mark.parametrize("lang", sorted(HELLO))
    def test_hello_world_runs_in_every_language_with_a_host_toolchain(self, sandbox, lang):
        if not has_toolchain(sandbox, lang):
            pytest.skip(f"no host toolchain for {lang}")
        result = run(sandbox, HELLO[lang], lang, RunLimits(timeout_seconds=10, disk_mb=64))
        assert result.status == RunStatus.OK, result
        assert result.stdout == f"hello from {lang}\n"
        assert result.exit_code == 0

    @pytest.mark.parametrize("lang", sorted(BROKEN))
    def test_a_compile_error_is_its_own_status_with_the_compiler_message(self, sandbox, lang):
        if not has_toolchain(sandbox, lang):
            pytest.skip(f"no host toolchain for {lang}")
        result = run(sandbox, BROKEN[lang], lang, RunLimits(timeout_seconds=10, disk_mb=64))
        assert result.status == RunStatus.COMPILE_ERROR, result
        assert result.compile_output.strip()
        assert result.exit_code is None

    def test_a_missing_toolchain_is_named_with_the_package_to_install(self, sandbox, monkeypatch):
        from core.sandbox import toolchains

        monkeypatch.setattr(toolchains, "_locate", lambda tool: f"`{tool}` is not installed")
        with pytest.raises(ToolchainMissingError, match="golang-go"):
            sandbox.check(resolve_language("go"))
        result = run(sandbox, HELLO["go"], "go")
        assert result.status == RunStatus.SANDBOX_ERROR
        assert "golang-go" in result.detail

    # ---- ordinary behaviour ----------------------------------------------------------------
    def test_a_nonzero_exit_is_an_error_with_its_code(self, sandbox):
        result = run(sandbox, "import sys\nprint('bye', file=sys.stderr)\nsys.exit(3)")
        assert (result.status, result.exit_code, result.stderr) == (RunStatus.ERROR, 3, "bye\n")

    def test_output_is_streamed_to_the_callback_as_it_comes(self, sandbox):
        chunks: list[tuple[str, str, float]] = []
        code = "import time\nprint('first', flush=True)\ntime.sleep(0.5)\nprint('second')"
        run(sandbox, code, on_output=lambda stream, text: chunks.append((stream, text, time.monotonic())))
        texts = "".join(text for _, text, _ in chunks)
        assert texts == "first\nsecond\n"
        assert chunks[-1][2] - chunks[0][2] > 0.3

    def test_stdin_reaches_the_program(self, sandbox):
        result = run(sandbox, "print(input()[::-1])", stdin="olleh\n")
        assert result.stdout == "hello\n"

    def test_the_environment_holds_nothing_from_the_host(self, sandbox, monkeypatch):
        monkeypatch.setenv("ASSISTANT_TEST_SECRET", "do-not-leak")
        result = run(sandbox, "import os\nprint(sorted(os.environ))\nprint(os.environ.get('PATH'))")
        assert "ASSISTANT_TEST_SECRET" not in result.stdout
        assert "do-not-leak" not in result.stdout

    def test_cancel_kills_the_run_within_a_second(self, sandbox):
        cancel = CancelToken()
        threading.Timer(0.5, cancel.cancel).start()
        started = time.monotonic()
        result = run(sandbox, "import time\ntime.sleep(30)", limits=RunLimits(timeout_seconds=30), cancel=cancel)
        assert result.status == RunStatus.KILLED
        assert time.monotonic() - started < 2.5

    def test_unicode_and_invalid_utf8_survive(self, sandbox):
        code = ("import sys\nprint('héllo ✓ 日本語', flush=True)\n"
                "sys.stdout.buffer.write(b'bad \\xff\\xfe end \\xc3')\n")
        result = run(sandbox, code)
        assert result.status == RunStatus.OK
        assert result.stdout == "héllo ✓ 日本語\nbad \ufffd\ufffd end \ufffd"

    # ---- attacks ---------------------------------------------------------------------------
    def test_outbound_connections_fail_and_only_loopback_exists(self, sandbox):
        code = (
            "import socket\nprint(sorted(n for _, n in socket.if_nameindex()))\n"
            "for host in ('1.1.1.1', '8.8.8.8'):\n"
            "    try:\n        socket.create_connection((host, 53), timeout=1)\n        print('CONNECTED')\n"
            "    except OSError as e:\n        print('blocked', e.errno)\n"
        )
        result = run(sandbox, code)
        assert result.status == RunStatus.OK, result
        assert result.stdout.splitlines()[0] == "['lo']"
        assert "CONNECTED" not in result.stdout
        assert result.stdout.count("blocked") == 2

    def test_host_secrets_cannot_be_read(self, sandbox, home_secret):
        code = (
            "import os\n"
            f"for path in ('/etc/shadow', '/etc/gshadow', {str(home_secret)!r}, "
            f"{str(PROJECT_DIR / 'pyproject.toml')!r}):\n"
            "    try:\n        print('READ', path, open(path, 'rb').read()[:40])\n"
            "    except OSError as e:\n        print('denied', path, type(e).__name__)\n"
            f"for folder in ({str(Path.home())!r}, {str(PROJECT_DIR)!r}, '/root', '/home'):\n"
            "    try:\n        print('LIST', folder, sorted(os.listdir(folder)))\n"
            "    except OSError as e:\n        print('denied', folder, type(e).__name__)\n"
        )
        result = run(sandbox, code)
        assert result.status == RunStatus.OK, result
        assert "READ" not in result.stdout
        listings = [line for line in result.stdout.splitlines() if line.startswith("LIST")]
        assert not any(home_secret.name in line or "pyproject.toml" in line for line in listings)

    def test_nothing_outside_the_work_dir_can_be_written(self, sandbox):
        targets = ["/usr/pwned", "/etc/pwned", "/pwned", str(PROJECT_DIR / "pwned"), str(Path.home() / "pwned"),
                   "/dev/pwned"]
        code = (
            "import os\n"
            f"for path in {targets!r}:\n"
            "    if os.path.dirname(path) == os.getcwd():\n        continue  # Firejail's work dir is the home\n"
            "    try:\n        open(path, 'w').write('x')\n        print('WROTE', path)\n"
            "    except OSError as e:\n        print('denied', path)\n"
            "open('inside.txt', 'w').write('ok')\nprint('inside', open('inside.txt').read())\n"
        )
        result = run(sandbox, code)
        assert result.status == RunStatus.OK, result
        assert "WROTE" not in result.stdout, result.stdout
        assert "inside ok" in result.stdout
        assert not any(Path(t).exists() for t in targets)

    def test_a_fork_bomb_is_stopped_by_the_process_limit(self, sandbox):
        code = (
            "import os, time\nn = 0\n"
            "while True:\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    n += 1\n"
            "print('forks refused after', n, flush=True)\n"
        )
        result = run(sandbox, code)
        assert result.status == RunStatus.OK, result
        assert int(result.stdout.split()[-1]) < LIMITS.max_processes
        assert run(sandbox, "print('alive')").stdout == "alive\n"

    def test_a_shell_fork_bomb_ends_at_the_wall_clock_limit(self, sandbox):
        started = time.monotonic()
        result = run(sandbox, ":(){ :|:& };:\nwait", "bash")
        assert result.status in (RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.OK), result
        assert time.monotonic() - started < LIMITS.timeout_seconds + 4
        assert run(sandbox, "print('alive')").stdout == "alive\n"

    def test_allocating_4_gib_is_an_oom(self, sandbox):
        result = run(sandbox, "b = bytearray(4 << 30)\nprint('ALLOCATED')")
        assert result.status == RunStatus.OOM, result
        assert "ALLOCATED" not in result.stdout

    def test_growing_memory_stops_at_the_limit(self, sandbox):
        code = "chunks = []\nwhile True:\n    chunks.append(bytearray(32 << 20))\n    print(len(chunks), flush=True)"
        result = run(sandbox, code)
        assert result.status == RunStatus.OOM, result
        assert int(result.stdout.split()[-1]) * 32 <= LIMITS.memory_mb

    def test_filling_one_file_stops_at_the_disk_limit(self, sandbox):
        code = (
            "import errno\nwritten = 0\nchunk = b'x' * (1 << 20)\n"
            "with open('big', 'wb', buffering=0) as f:\n"
            "    try:\n        while True:\n            written += f.write(chunk)\n"
            "    except OSError as e:\n        print(errno.errorcode[e.errno], written >> 20)\n"
        )
        result = run(sandbox, code)
        assert result.status == RunStatus.OK, result
        name, mib = result.stdout.split()
        assert name in ("EFBIG", "ENOSPC")
        assert int(mib) <= LIMITS.disk_mb

    def test_filling_many_files_stops_at_the_disk_limit(self, sandbox):
        result = run(sandbox, self.MANY_FILES)
        assert result.status == RunStatus.OK, result
        name, mib = result.stdout.split()
        assert name == "ENOSPC"
        assert int(mib) <= LIMITS.disk_mb

    MANY_FILES = (
        "import errno\nwritten = 0\nchunk = b'x' * (1 << 20)\n"
        "try:\n    for i in range(64):\n        with open(f'f{i}', 'wb') as f:\n            f.write(chunk)\n"
        "        written += 1\n    print('NOLIMIT', written)\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno], written)\n"
    )

    def test_an_infinite_loop_is_killed_at_the_wall_clock_limit(self, sandbox):
        started = time.monotonic()
        result = run(sandbox, "while True:\n    pass")
        assert result.status == RunStatus.TIMEOUT, result
        assert time.monotonic() - started < LIMITS.timeout_seconds + 3

    def test_a_sleeping_program_is_killed_at_the_wall_clock_limit(self, sandbox):
        result = run(sandbox, "import time\nprint('start', flush=True)\ntime.sleep(60)")
        assert result.status == RunStatus.TIMEOUT, result
        assert result.stdout == "start\n"

    def test_printing_1_gib_is_capped_and_marked(self, sandbox):
        code = ("import sys\nblock = b'y' * (1 << 20)\n"
                "for _ in range(1024):\n    sys.stdout.buffer.write(block)\nprint('done', file=sys.stderr)")
        result = run(sandbox, code, limits=RunLimits(timeout_seconds=20, output_cap_bytes=64 * 1024))
        assert result.status == RunStatus.OK, result
        assert result.output_truncated
        assert result.stdout.startswith("y" * 1000)
        assert len(result.stdout.encode()) < 64 * 1024 + 200
        assert "output truncated" in result.stdout
        assert result.stderr == "done\n"

    def test_binary_and_terminal_escapes_come_back_as_text(self, sandbox):
        code = ("import sys\nsys.stdout.buffer.write(b'\\x1b[2J\\x1b]0;owned\\x07\\x00\\x01\\x9b bytes \\x80\\n')")
        result = run(sandbox, code)
        assert result.status == RunStatus.OK
        assert result.stdout.startswith("\x1b[2J\x1b]0;owned\x07\x00\x01")
        assert "\ufffd" in result.stdout

    def test_the_program_has_no_terminal(self, sandbox):
        code = ("import os, sys\nprint(os.isatty(0), os.isatty(1))\n"
                "try:\n    os.open('/dev/tty', os.O_RDWR)\n    print('TTY')\nexcept OSError:\n    print('no tty')")
        result = run(sandbox, code)
        assert result.stdout == "False False\nno tty\n", result

    def test_a_background_child_does_not_outlive_the_run(self, sandbox):
        marker = ["sleep", f"{random.randint(100000, 999999)}.5"]
        code = (
            "import os, signal\n"
            "if os.fork() == 0:\n    os.setsid()\n    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
            f"    os.execvp('sleep', {marker!r})\n"
            "print('parent done')\n"
        )
        started = time.monotonic()
        result = run(sandbox, code)
        assert result.stdout == "parent done\n"
        assert time.monotonic() - started < 4
        time.sleep(0.2)
        assert process_with_argv(marker) is None
