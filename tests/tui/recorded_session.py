"""A fixed three-attempt session as engine events and records: the same every run, so
snapshots of it are stable."""

from core.events import (
    AttemptFinished,
    AttemptStarted,
    CodeReady,
    Event,
    ModelDelta,
    ModelFinished,
    RunFinished,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
)
from core.history import AttemptRecord
from core.llm.base import ModelInfo, Usage
from core.sandbox.base import RunResult, RunStatus

OUTPUT_DIR = "output/task_20260101_120000"
TASK = "Print the first 10 Fibonacci numbers, one per line."
COMMAND = ["python3", "-B", "main.py"]
MODEL = ModelInfo(name="gpt-oss-20b-mxfp4", path="model/gpt-oss-20b-mxfp4.gguf", architecture="gpt-oss",
                  context_size=8192, on_gpu=True, backend="llama")

CODES = [
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        print(a)\n        a, b = b, a + b\n\nfib(10\n",
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        print(a)\n        a, b = b, a + b\n\nfib(10)\nprint(undefined)\n",
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        print(a)\n        a, b = b, a + b\n\n\nfib(10)\n",
]
STDOUT = ["", "0\n1\n1\n2\n3\n5\n8\n13\n21\n34\n", "0\n1\n1\n2\n3\n5\n8\n13\n21\n34\n"]
STDERR = [
    '  File "main.py", line 7\n    fib(10\n       ^\nSyntaxError: \'(\' was never closed\n',
    'Traceback (most recent call last):\n  File "main.py", line 8, in <module>\n    print(undefined)\n'
    "NameError: name 'undefined' is not defined\n",
    "",
]
EXITS = [1, 1, 0]
STATUSES = ["error", "error", "ok"]
VERDICTS = ["exit code 1: SyntaxError: '(' was never closed",
            "exit code 1: NameError: name 'undefined' is not defined", ""]
REASONING = ["Loop n times, printing a and advancing the pair. [red]not markup[/red]",
             "The call was not closed. Close the parenthesis.",
             "A stray print of an undefined name. Remove it."]
ORIGINS = [("model", None), ("model", 1), ("fix", 2)]


def usage(tokens: int, seconds: float) -> Usage:
    return Usage(prompt_tokens=300, prompt_tokens_evaluated=300, completion_tokens=tokens,
                 time_to_first_token_s=0.2, tokens_per_second=tokens / seconds, total_seconds=seconds,
                 finish_reason="stop")


def record(index: int) -> AttemptRecord:
    number = index + 1
    origin, based_on = ORIGINS[index]
    return AttemptRecord(
        number=number, origin=origin, based_on=based_on, language="python",
        prompt=[{"role": "system", "content": "You write one complete program."},
                {"role": "user", "content": TASK}],
        raw_text=f"```python\n{CODES[index]}```\n", reasoning=REASONING[index], code=CODES[index],
        command=COMMAND, stdout=STDOUT[index], stderr=STDERR[index], exit_code=EXITS[index],
        status=STATUSES[index], verdict=VERDICTS[index],
        durations={"generate_s": 2.0 + index, "compile_s": 0.0, "run_s": 0.05, "total_s": 2.5 + index},
        usage=usage(120, 1.5).to_dict(), started_at=f"2026-01-01T12:00:0{index}+00:00",
        console=STDOUT[index] + STDERR[index],
    )


def attempt_events(index: int, *, finished: bool = True, answer_fraction: float = 1.0) -> list[Event]:
    """The events of one attempt; with finished=False it stops mid-answer (a run in progress)."""
    number = index + 1
    origin, based_on = ORIGINS[index]
    answer = f"```python\n{CODES[index]}```\n"
    cut = int(len(answer) * answer_fraction)
    events: list[Event] = [AttemptStarted(number, origin, based_on)]
    events += [ModelDelta(number, "reasoning", word + " ") for word in REASONING[index].split()]
    events += [ModelDelta(number, "answer", answer[i:i + 5]) for i in range(0, cut, 5)]
    if not finished:
        return events
    events += [ModelFinished(number, usage(120, 1.5)), CodeReady(number, CODES[index]),
               RunStarted(number, COMMAND)]
    if STDOUT[index]:
        events.append(RunOutput(number, "stdout", STDOUT[index]))
    if STDERR[index]:
        events.append(RunOutput(number, "stderr", STDERR[index]))
    result = RunResult(RunStatus(STATUSES[index]), EXITS[index], STDOUT[index], STDERR[index],
                       run_seconds=0.05, sandbox="docker", command=COMMAND)
    events += [RunFinished(number, result), AttemptFinished(number, record(index))]
    return events


def three_attempt_session() -> list[Event]:
    events: list[Event] = [SessionStarted(TASK, "python", OUTPUT_DIR, MODEL, "docker")]
    for index in range(3):
        events += attempt_events(index)
    events.append(SessionFinished(True, 3, OUTPUT_DIR, "passed"))
    return events


def session_in_progress() -> list[Event]:
    return [SessionStarted(TASK, "python", OUTPUT_DIR, MODEL, "docker"), *attempt_events(0),
            *attempt_events(1, finished=False, answer_fraction=0.6)]
