"""Errors a user can cause or fix. Each is shown as one readable line at the edges (CLI, TUI)."""


class AssistantError(Exception):
    """Base of every error that is shown to the user as a single line, never a traceback."""

    exit_code: int = 1


class ConfigError(AssistantError):
    """The configuration (file, environment variable or flag) is invalid."""

    exit_code = 2


class UsageError(AssistantError):
    """The command line is invalid."""

    exit_code = 2


class UnknownLanguageError(UsageError):
    """A language name that the registry does not know."""


class SandboxUnavailableError(AssistantError):
    """No sandbox of the requested kind can run here (no engine, no image, no toolchain)."""

    exit_code = 3


class ToolchainMissingError(SandboxUnavailableError):
    """The sandbox cannot run a language because its compiler or interpreter is missing."""


class ModelError(AssistantError):
    """The model cannot be found, loaded or run."""

    exit_code = 4


class ModelBusyError(ModelError):
    """A second generation was requested while one is running."""
