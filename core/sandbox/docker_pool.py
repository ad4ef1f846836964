"""A pool of warm sandbox containers, per container shape (the limits fixed at creation).

A run takes a ready container and gives it back afterwards; a container that misbehaved, hit a
limit or served `recycle_after_runs` runs is destroyed instead and a replacement is started in
the background, so the next run does not pay for a cold start. Containers carry a label naming
their owner process; those whose owner is gone (a crash) are removed when a pool starts.
"""

import atexit
import threading
import weakref
from typing import Any

from core.sandbox.docker_container import LABEL, OWNER_LABEL, ContainerShape, WarmContainer, owner_is_gone


def remove_orphaned_containers(client: Any) -> int:
    """Remove labelled containers left by processes that no longer exist; how many were removed."""
    removed = 0
    for summary in client.api.containers(all=True, filters={"label": LABEL}):
        if owner_is_gone((summary.get("Labels") or {}).get(OWNER_LABEL, "")):
            try:
                client.api.remove_container(summary["Id"], force=True)
                removed += 1
            except Exception:  # noqa: BLE001 - removed concurrently by someone else
                pass
    return removed


class WarmContainerPool:
    def __init__(self, client: Any, image: str, tools: list[str], pool_size: int = 1,
                 recycle_after_runs: int = 100) -> None:
        self._client = client
        self._image = image
        self._tools = tools
        self.pool_size = pool_size
        self.recycle_after_runs = recycle_after_runs
        self._idle: dict[ContainerShape, list[WarmContainer]] = {}
        self._pending: dict[ContainerShape, int] = {}
        self._busy: set[WarmContainer] = set()
        self._background: set[threading.Thread] = set()
        self._refill_error: BaseException | None = None
        self._lock = threading.Condition()
        self._closed = False
        remove_orphaned_containers(client)
        atexit.register(_close_if_alive, weakref.ref(self))

    def acquire(self, shape: ContainerShape) -> WarmContainer:
        """A ready container of `shape`: an idle one, one being started, else a new one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the container pool is closed")
            while not self._idle.get(shape) and self._pending.get(shape, 0) > 0:
                self._lock.wait()
            idle = self._idle.get(shape, [])
            while idle:
                container = idle.pop()
                if container.is_alive():
                    self._busy.add(container)
                    return container
                self._in_background(container.destroy)
        container = WarmContainer(self._client, self._image, shape, self._tools)
        with self._lock:
            self._busy.add(container)
        return container

    def release(self, container: WarmContainer, reusable: bool) -> None:
        """Give a container back after a run; it is destroyed unless `reusable` and not worn out."""
        keep = reusable and container.runs < self.recycle_after_runs
        with self._lock:
            self._busy.discard(container)
            if keep and not self._closed:
                self._idle.setdefault(container.shape, []).append(container)
                self._lock.notify_all()
                return
        self._in_background(container.destroy)
        self.fill(container.shape)

    def fill(self, shape: ContainerShape) -> None:
        """Start containers of `shape` in the background until `pool_size` are ready or starting."""
        with self._lock:
            if self._closed:
                return
            missing = self.pool_size - len(self._idle.get(shape, [])) - self._pending.get(shape, 0)
            for _ in range(max(missing, 0)):
                self._pending[shape] = self._pending.get(shape, 0) + 1
                self._in_background(lambda: self._start_one(shape))

    def _start_one(self, shape: ContainerShape) -> None:
        container = None
        try:
            container = WarmContainer(self._client, self._image, shape, self._tools)
        except Exception as exc:  # noqa: BLE001 - surfaced by the next acquire, which retries itself
            self._refill_error = exc
        with self._lock:
            self._pending[shape] -= 1
            if container is not None and not self._closed:
                self._idle.setdefault(shape, []).append(container)
                container = None
            self._lock.notify_all()
        if container is not None:
            container.destroy()

    def _in_background(self, work: Any) -> None:
        def run() -> None:
            try:
                work()
            finally:
                with self._lock:
                    self._background.discard(thread)

        thread = threading.Thread(target=run, name="sandbox-pool", daemon=True)
        with self._lock:
            self._background.add(thread)
        thread.start()

    def container_ids(self) -> list[str]:
        with self._lock:
            return [c.id for group in self._idle.values() for c in group] + [c.id for c in self._busy]

    def close(self) -> None:
        """Destroy every container, waiting for the ones still starting. Safe to call twice."""
        with self._lock:
            self._closed = True
            while any(self._pending.values()):
                self._lock.wait(timeout=60)
            containers = [c for group in self._idle.values() for c in group] + list(self._busy)
            self._idle.clear()
            self._busy.clear()
            threads = list(self._background)
        for container in containers:
            container.destroy()
        for thread in threads:
            thread.join(timeout=30)


def _close_if_alive(ref: "weakref.ref[WarmContainerPool]") -> None:
    pool = ref()
    if pool is not None:
        pool.close()
