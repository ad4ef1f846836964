"""The subprocess executor: NOT a sandbox. Used only when `sandbox_type: subprocess` is named.

The program runs as the assistant's own user with the host's toolchains, in a fresh temporary
work dir, under the same rlimits, wall-clock kill and output caps as the host sandboxes — but it
can read and write whatever that user can and reach the network. Every result says so.
"""

import shlex
from collections.abc import Mapping

from core.cancel import CancelToken
from core.errors import ToolchainMissingError
from core.languages import Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus
from core.sandbox.host_process import (
    PipeFds,
    base_env,
    judge,
    private_temp_dir,
    run_supervised,
    stage_files,
    supervisor_script,
)
from core.sandbox.toolchains import toolchain_for

NOT_ISOLATED = "NOT isolated: ran as a plain subprocess of your user (rlimits and timeout only)"


class SubprocessSandbox:
    kind = "subprocess"
    isolated = False

    def check(self, language: Language) -> None:
        toolchain_for(language)

    def run(
        self,
        files: Mapping[str, str | bytes],
        language: Language,
        limits: RunLimits,
        on_output: OutputCallback | None = None,
        cancel: CancelToken | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        try:
            toolchain = toolchain_for(language)
        except ToolchainMissingError as exc:
            return _sandbox_error(str(exc))
        with private_temp_dir(prefix="assistant-subprocess-") as workdir:
            try:
                stage_files(workdir, files)
            except (OSError, ValueError) as exc:
                return _sandbox_error(f"cannot prepare the program's files: {exc}")
            env = base_env(language, workdir, toolchain.path, workdir)

            def make_argv(fds: PipeFds) -> list[str]:
                return ["/bin/bash", "-c", supervisor_script(language, limits, fds)]

            try:
                outcome = run_supervised(make_argv, language=language, limits=limits, env=env, cwd=workdir,
                                         on_output=on_output, cancel=cancel, stdin=stdin,
                                         exit_codes_carry_signals=False)
            except OSError as exc:
                return _sandbox_error(f"cannot start the program: {exc}")
            command = [shlex.join(step) for step in (language.compile, language.run) if step]
            result = judge(outcome, limits, sandbox=self.kind, isolated=False, command=command)
        result.detail = "; ".join(d for d in (NOT_ISOLATED, result.detail) if d)
        return result

    def close(self) -> None:
        """Nothing to release."""


def _sandbox_error(detail: str) -> RunResult:
    return RunResult(status=RunStatus.SANDBOX_ERROR, exit_code=None, sandbox="subprocess", isolated=False,
                     detail=f"{NOT_ISOLATED}; {detail}")
