"""From engine threads to the Textual event loop: events in, one wake-up message out.

The engine calls `EngineBridge.emit` from its worker thread, once per token or output chunk.
Posting a Textual message per token would be cheap, but touching a widget per token is not
(one TextArea insert re-highlights the whole document). So the bridge queues events and posts
a single `EngineEventsReady` whenever the queue goes from empty to non-empty; the app takes
every queued event at once, updates its state, and repaints the streaming panes on a ~30 Hz
timer (see `app.AssistantApp.flush_panes`). Nothing is dropped or reordered.
"""

import threading
from collections.abc import Callable

from textual.message import Message

from core.events import Event


class EngineEventsReady(Message):
    """Events are waiting in the bridge; call `EngineBridge.take()` on the UI thread."""


class EngineBridge:
    """Thread-safe queue of engine events with a wake-up message to the app."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._lock = threading.Lock()
        self._queue: list[Event] = []
        self._wake_pending = False

    def emit(self, event: Event) -> None:
        """Queue one event (any thread). Never blocks on the UI."""
        with self._lock:
            self._queue.append(event)
            if self._wake_pending:
                return
            self._wake_pending = True
        self._post(EngineEventsReady())

    def take(self) -> list[Event]:
        """Every event queued since the last call, in emission order (UI thread)."""
        with self._lock:
            events, self._queue = self._queue, []
            self._wake_pending = False
        return events
