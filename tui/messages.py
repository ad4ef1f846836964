"""Messages that worker threads post to the app. Workers never touch widgets; the app's
handlers own all state."""

from textual.message import Message

from core.engine import Session
from core.history import SessionSnapshot, SessionSummary
from core.llm.base import ModelBackend
from core.sandbox.base import Sandbox


class ModelProgress(Message):
    """The model is loading: a human line and a fraction 0..1."""

    def __init__(self, text: str, fraction: float) -> None:
        super().__init__()
        self.text = text
        self.fraction = fraction


class ModelReady(Message):
    def __init__(self, model: ModelBackend) -> None:
        super().__init__()
        self.model = model


class SandboxReady(Message):
    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__()
        self.sandbox = sandbox


class PartFailed(Message):
    """Loading the model or opening the sandbox failed; `part` is "model" or "sandbox"."""

    def __init__(self, part: str, text: str) -> None:
        super().__init__()
        self.part = part
        self.text = text


class EngineIdle(Message):
    """A Session method returned (or raised: `error` is its one-line message)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class SessionOpened(Message):
    """A worker created the Session it is about to run."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class PastSessionLoaded(Message):
    def __init__(self, snapshot: SessionSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class UserNotice(Message):
    """A one-line notice for the user from a worker (an error it caught)."""

    def __init__(self, text: str, severity: str = "information") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class PastSessionsListed(Message):
    """The sessions saved under the output folder, oldest first, for the F2 browser."""

    def __init__(self, sessions: list[SessionSummary]) -> None:
        super().__init__()
        self.sessions = sessions
