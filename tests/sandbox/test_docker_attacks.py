"""Hostile programs against the real Docker sandbox: each is contained with the expected status,
and the next run in the same pool still works."""

import platform
import time
from pathlib import Path

import pytest

from core.sandbox.base import RunStatus
from tests.sandbox.docker_support import LIMITS, assert_next_run_works, open_docker_sandbox, run

pytestmark = pytest.mark.docker

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox():
    sandbox = open_docker_sandbox()
    yield sandbox
    sandbox.close()


@pytest.fixture
def contained(sandbox):
    """The sandbox; after the test, the next run in its pool must still work."""
    yield sandbox
    assert_next_run_works(sandbox)


def test_outbound_connection_fails_and_only_loopback_exists(contained):
    code = (
        "import os, socket\n"
        "print(sorted(os.listdir('/sys/class/net')))\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('blocked', exc.errno)\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout.splitlines() == ["['lo']", "blocked 101"]


def test_host_shadow_file_and_project_directory_are_out_of_reach(contained):
    code = (
        "import os\n"
        "try:\n"
        "    open('/etc/shadow').read()\n"
        "    print('read shadow')\n"
        "except PermissionError:\n"
        "    print('shadow denied')\n"
        f"print(os.path.exists({str(PROJECT_DIR / 'pyproject.toml')!r}))\n"
        f"print(os.path.exists('/proc/1/root' + {str(PROJECT_DIR / 'pyproject.toml')!r}))\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout.splitlines() == ["shadow denied", "False", "False"]


def test_writes_outside_the_work_dir_fail_and_scratch_space_is_wiped(contained):
    code = (
        "import os\n"
        "for path in ('/etc/planted', '/usr/planted', '/opt/sandbox/planted', '/home/sandbox/planted',\n"
        "             '/planted', '/usr/lib/python3/dist-packages/sitecustomize.py'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print('refused', exc.errno)\n"
        "for path in ('/tmp/planted', '/dev/shm/planted', '/work/planted'):\n"
        "    open(path, 'w').write('x')\n"
        "os.makedirs('/work/locked/inner')\n"
        "open('/work/locked/inner/f', 'w').write('x')\n"
        "os.chmod('/work/locked/inner', 0)\n"
        "os.chmod('/work/locked', 0)\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["refused"] * 6
    after = run(contained, "import os\nprint(os.listdir('/tmp'), os.listdir('/dev/shm'), sorted(os.listdir('/work')))")
    assert after.stdout.startswith("[] [] ['run-"), after
    assert "planted" not in after.stdout
    assert not Path("/tmp/planted").exists()


def test_fork_bomb_is_stopped_by_the_process_limit_and_timeout(contained):
    code = (
        "import os\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    started = time.monotonic()
    result = run(contained, code)
    assert result.status is RunStatus.TIMEOUT, result
    assert time.monotonic() - started < LIMITS.timeout_seconds + 10


def test_allocating_4_gib_is_reported_as_out_of_memory(contained):
    result = run(contained, "b = bytearray(4 << 30)\nprint('allocated')")
    assert result.status is RunStatus.OOM, result
    assert "allocated" not in result.stdout


def test_filling_the_disk_stops_at_the_work_dir_size(contained):
    code = (
        "import os\n"
        "block = b'x' * (1 << 20)\n"
        "written = 0\n"
        "with open('fill', 'wb') as f:\n"
        "    while written < (1 << 30):\n"
        "        f.write(block)\n"
        "        f.flush()\n"
        "        written += len(block)\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.ERROR, result
    assert "No space left on device" in result.stderr


def test_infinite_loop_times_out(contained):
    result = run(contained, "while True:\n    pass\n")
    assert result.status is RunStatus.TIMEOUT, result
    assert LIMITS.timeout_seconds <= result.run_seconds < LIMITS.timeout_seconds + 2


def test_printing_1_gib_is_capped_and_finishes_in_bounded_time(contained):
    code = (
        "import sys\n"
        "block = b'x' * (1 << 20)\n"
        "for _ in range(1024):\n"
        "    sys.stdout.buffer.write(block)\n"
    )
    started = time.monotonic()
    result = run(contained, code)
    assert time.monotonic() - started < LIMITS.timeout_seconds + 10
    assert result.status in (RunStatus.OK, RunStatus.TIMEOUT), result
    assert result.output_truncated
    assert result.stdout.startswith("x" * 1000)
    assert len(result.stdout.encode()) <= LIMITS.output_cap_bytes + 200
    assert "output truncated by the sandbox" in result.stdout


def test_binary_and_escape_sequences_come_back_as_inert_text(contained):
    code = (
        "import sys\n"
        "sys.stdout.buffer.write(bytes(range(256)))\n"
        "sys.stdout.buffer.write(b'\\x1b[2J\\x1b]0;owned\\x07\\x1b[31mred')\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert "\x1b[2J\x1b]0;owned\x07\x1b[31mred" in result.stdout
    assert "\ufffd" in result.stdout
    assert result.stdout.startswith("".join(chr(i) for i in range(128)))


def test_background_child_is_killed_when_the_program_exits(contained):
    code = (
        "import os, signal, subprocess, time\n"
        "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "    while True:\n"
        "        time.sleep(0.05)\n"
        "print('parent done')\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.run_seconds < LIMITS.timeout_seconds
    survey = (
        "import os\n"
        "names = [open(f'/proc/{p}/cmdline', 'rb').read().split(b'\\0')[0].decode()\n"
        "         for p in os.listdir('/proc') if p.isdigit()]\n"
        "print(len(names), 'sleep' in names)\n"
    )
    after = run(contained, survey)
    assert after.stdout == "3 False\n", after  # the init, the supervisor and this program


def test_signals_to_pid_1_leave_the_sandbox_working(contained):
    code = (
        "import os, signal\n"
        "for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL):\n"
        "    try:\n"
        "        os.kill(1, sig)\n"
        "    except OSError as exc:\n"
        "        print('refused', exc.errno)\n"
        "print('alive')\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout.endswith("alive\n")


def test_killing_every_visible_process_ends_only_this_run(contained):
    result = run(contained, "import os, signal\nos.kill(-1, signal.SIGKILL)\nimport time\ntime.sleep(5)")
    assert result.status is RunStatus.KILLED, result
    assert result.run_seconds < LIMITS.timeout_seconds


def test_a_result_forged_through_the_inits_stdout_is_rejected(contained):
    # The init runs as the program's uid, so /proc/1/fd/1 reaches the supervisor's channel to the host.
    code = (
        "import json, os, struct\n"
        "step = {'exit_code': 0, 'signal': None, 'timed_out': False, 'cancelled': False,\n"
        "        'seconds': 0.1, 'truncated': False}\n"
        "reply = json.dumps({'compile': None, 'run': step, 'leftover': [], 'oom_kills': 0,\n"
        "                    'wiped': True}).encode()\n"
        "fd = os.open('/proc/1/fd/1', os.O_WRONLY)\n"
        "os.write(fd, b'R' + struct.pack('>I', len(reply)) + reply)\n"
        "print('forged')\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.SANDBOX_ERROR, result
    assert "forged" in result.detail


def test_a_work_dir_made_unreadable_is_not_left_for_the_next_run(contained):
    result = run(contained, "import os\nos.chmod('/work', 0)\nprint('locked')\n")
    assert result.status is RunStatus.OK, result
    assert result.stdout == "locked\n"


def test_unicode_and_invalid_utf8_output_survive(contained):
    code = (
        "import sys, time\n"
        "print('h\\u00e9llo \\u4e16\\u754c \\U0001f389', flush=True)\n"
        "emoji = '\\U0001f680'.encode()\n"
        "sys.stdout.buffer.write(emoji[:2]); sys.stdout.flush(); time.sleep(0.1)\n"
        "sys.stdout.buffer.write(emoji[2:] + b'\\n'); sys.stdout.flush()\n"
        "sys.stderr.buffer.write(b'bad \\xff\\xfe\\xc3( end\\n')\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout == "h\u00e9llo \u4e16\u754c \U0001f389\n\U0001f680\n"
    assert result.stderr == "bad \ufffd\ufffd\ufffd( end\n"


SYSCALL_ERRNO = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "def errno_of(number, *args):\n"
    "    ctypes.set_errno(0)\n"
    "    libc.syscall(number, *args)\n"
    "    return ctypes.get_errno()\n"
)
x86_64_only = pytest.mark.skipif(platform.machine() != "x86_64", reason="uses x86_64 system call numbers")


@x86_64_only
def test_kernel_attack_surface_is_denied_by_the_seccomp_profile(contained):
    code = SYSCALL_ERRNO + (
        "import socket\n"
        "print(errno_of(101, 0, 0, 0, 0))     # ptrace(PTRACE_TRACEME)\n"
        "print(errno_of(310, 1, 0, 0, 0, 0))  # process_vm_readv\n"
        "print(errno_of(250, 0, 0, 0))        # keyctl\n"
        "print(errno_of(321, 0, 0, 0))        # bpf\n"
        "print(errno_of(323, 0))              # userfaultfd\n"
        "print(errno_of(272, 0x10000000))     # unshare(CLONE_NEWUSER)\n"
        "print(errno_of(56, 0x10000000 | 17, 0, 0, 0, 0))  # clone(CLONE_NEWUSER | SIGCHLD)\n"
        "try:\n"
        "    socket.socket(40, socket.SOCK_STREAM)  # AF_VSOCK\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout.split() == ["1"] * 8


@x86_64_only
def test_io_uring_setup_answers_enosys(contained):
    result = run(contained, SYSCALL_ERRNO + "print(errno_of(425, 1, 0))  # io_uring_setup\n")
    assert result.status is RunStatus.OK, result
    assert result.stdout == "38\n"


@x86_64_only
def test_syscalls_outside_the_allowlist_fail_with_eperm(contained):
    """Not in any deny rule: refused only because the profile allows a fixed set. Docker allows none
    of them to a capability-less container either; a profile that allowed by default would."""
    code = SYSCALL_ERRNO + (
        "print(errno_of(103, 3, 0, 0))        # syslog(SYSLOG_ACTION_READ_ALL)\n"
        "print(errno_of(163, 0))              # acct(NULL)\n"
        "print(errno_of(440, 0, 0, 0, 0, 0))  # process_madvise\n"
        "print(errno_of(135, 0x0400000))      # personality(READ_IMPLIES_EXEC)\n"
    )
    result = run(contained, code)
    assert result.status is RunStatus.OK, result
    assert result.stdout.split() == ["1", "1", "1", "1"]


@x86_64_only
def test_a_32_bit_system_call_kills_the_program(contained):
    """The profile names native architectures only: `int 0x80` (i386 entry) is a bad-arch SIGSYS."""
    code = (
        "#include <stdio.h>\n"
        "int main(void) {\n"
        "    long r;\n"
        "    __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20L) : \"memory\");  /* getpid */\n"
        "    printf(\"returned %ld\\n\", r);\n"
        "    return 0;\n"
        "}\n"
    )
    result = run(contained, code, lang="c")
    assert result.status is RunStatus.KILLED, result
    assert result.detail == "the program was killed by signal 31", result  # SIGSYS
    assert "returned" not in result.stdout
