"""A test-double Sandbox returning scripted RunResults (for the engine's pure logic)."""

from collections.abc import Callable, Mapping, Sequence

from core.cancel import CancelToken
from core.languages import Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus

Script = RunResult | Callable[[Mapping[str, str | bytes], Language, CancelToken | None], RunResult]


def ok(stdout: str = "") -> RunResult:
    return RunResult(RunStatus.OK, 0, stdout=stdout)


def error(stderr: str, code: int = 1, stdout: str = "") -> RunResult:
    return RunResult(RunStatus.ERROR, code, stdout=stdout, stderr=stderr)


class FakeSandbox:
    """Each run returns the next scripted result (or calls it), streaming its text to on_output."""

    kind = "fake"
    isolated = True

    def __init__(self, results: Sequence[Script] = ()) -> None:
        self.results = list(results)
        self.calls: list[tuple[dict, Language]] = []

    def check(self, language: Language) -> None:
        return None

    def run(self, files: Mapping[str, str | bytes], language: Language, limits: RunLimits,
            on_output: OutputCallback | None = None, cancel: CancelToken | None = None,
            stdin: str | None = None) -> RunResult:
        self.calls.append((dict(files), language))
        script = self.results[len(self.calls) - 1] if len(self.calls) <= len(self.results) else ok()
        result = script(files, language, cancel) if callable(script) else script
        if on_output is not None:
            for stream, text in (("compile", result.compile_output), ("stdout", result.stdout),
                                 ("stderr", result.stderr)):
                if text:
                    on_output(stream, text)
        return result

    def close(self) -> None:
        return None
