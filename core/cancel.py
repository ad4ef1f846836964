"""A cancel token shared by the engine, the model backend and the sandbox."""

import threading


class CancelToken:
    """Set once to ask every long operation holding this token to stop as soon as it can."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to `timeout` seconds; True when cancelled."""
        return self._event.wait(timeout)
