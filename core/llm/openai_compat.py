"""A model served by a local OpenAI-compatible server (llama-server, Ollama, vLLM, LM Studio).

Standard library only: http.client, streaming the server-sent events of /chat/completions.
Reasoning arrives either in a `reasoning_content` / `reasoning` field (llama-server, vLLM,
Ollama) or as harmony markup inside `content` (a server that passes GPT-OSS output through):
both end up in the reasoning channel. Cancel shuts the socket down, so a blocked read ends at
once. Only a loopback base_url is accepted unless the caller says the user named the host
(`allow_remote`: the factory passes True, because model.server.base_url is the user's own
setting and its default is loopback).
"""

import http.client
import ipaddress
import json
import math
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from core.cancel import CancelToken
from core.config import ServerConfig
from core.errors import ModelBusyError, ModelError
from core.llm.base import (
    Delta,
    Message,
    ModelInfo,
    ProgressCallback,
    SamplingParams,
    Usage,
    recommended_sampling,
)
from core.llm.harmony import HarmonyParser
from core.textsafe import visible_controls

REASONING_FIELDS = ("reasoning_content", "reasoning")
_CANCEL_POLL_SECONDS = 0.05


class _CancelledBeforeStart(Exception):
    pass


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, allow_remote: bool) -> tuple[str, str, int, str]:
    """(scheme, host, port, path prefix) of a usable base URL, else a one-line ModelError."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelError(f"model.server.base_url {base_url!r} is not an http(s) URL such as http://127.0.0.1:8080/v1")
    if not allow_remote and not is_loopback_host(parts.hostname):
        raise ModelError(
            f"model.server.base_url {base_url!r} is not on this machine: name the host in your config "
            "to send prompts there"
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port, parts.path.rstrip("/")


class OpenAICompatBackend:
    """Streams chat completions from a server; one generation at a time (ModelBusyError)."""

    def __init__(self, server: ServerConfig, model: str, context_size: int, *, allow_remote: bool = False) -> None:
        self._scheme, self._host, self._port, self._prefix = check_base_url(server.base_url, allow_remote)
        self._server = server
        self._model = model
        self._lock = threading.Lock()
        self._info = ModelInfo(
            name=model,
            path=server.base_url,
            architecture="gpt-oss" if "gpt-oss" in model.lower() else "unknown (served)",
            context_size=context_size,
            on_gpu=False,  # not knowable through this API
            backend="openai",
        )

    @classmethod
    def connect(cls, server: ServerConfig, context_size: int,
                on_progress: ProgressCallback | None = None) -> "OpenAICompatBackend":
        """Check the server answers and pick the model (server.model, else the first listed)."""
        report = on_progress or (lambda message, fraction: None)
        check_base_url(server.base_url, allow_remote=True)
        report(f"asking {server.base_url} for its models", 0.1)
        probe = cls(server, server.model or "?", context_size, allow_remote=True)
        models = probe.list_models()
        if server.model is not None:
            if models and server.model not in models:
                raise ModelError(
                    f"the server at {server.base_url} does not serve {server.model!r}; it serves: "
                    f"{', '.join(models[:10])}: fix model.server.model"
                )
            name = server.model
        elif models:
            name = models[0]
        else:
            raise ModelError(f"the server at {server.base_url} lists no models: load one there first")
        report(f"using {name} at {server.base_url}", 1.0)
        return cls(server, name, context_size, allow_remote=True)

    # -- the protocol ---------------------------------------------------------------------

    def info(self) -> ModelInfo:
        return self._info

    def count_tokens(self, conversation: Sequence[Message], reasoning_effort: str = "medium") -> int:
        """An upper estimate: the API has no standard tokenizer endpoint. Code tokenises at
        roughly 3–4 characters per token; 3 plus a per-message overhead errs on the safe side."""
        return sum(math.ceil(len(m.content) / 3) + 8 for m in conversation) + 16

    def list_models(self) -> list[str]:
        connection = self._connection(timeout=min(self._server.timeout_seconds, 10.0))
        try:
            connection.request("GET", f"{self._prefix}/models", headers=self._headers())
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise ModelError(self._http_error(response.status, body))
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from None
        finally:
            connection.close()
        try:
            data = json.loads(body)
            return [str(item["id"]) for item in data.get("data", []) if "id" in item]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ModelError(f"{self._server.base_url}/models did not answer with an OpenAI model list") from None

    def stream(
        self, conversation: Sequence[Message], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[Delta | Usage]:
        if not self._lock.acquire(blocking=False):
            raise ModelBusyError("the model is already generating: cancel that answer or wait for it")
        try:
            yield from self._generate(conversation, params, cancel)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Nothing is held between requests."""

    # -- internals ------------------------------------------------------------------------

    def _generate(
        self, conversation: Sequence[Message], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[Delta | Usage]:
        started = time.perf_counter()
        body = self._request_body(conversation, params)
        connection = self._connection(timeout=self._server.timeout_seconds)
        finished = threading.Event()
        watcher = threading.Thread(target=self._close_on_cancel, args=(connection, cancel, finished),
                                   name="openai-cancel", daemon=True)
        harmony = HarmonyParser()
        first_at: float | None = None
        pieces = 0
        usage: dict[str, Any] = {}
        timings: dict[str, Any] = {}
        finish = "length"
        try:
            try:
                if cancel.cancelled:
                    raise _CancelledBeforeStart
                connection.request("POST", f"{self._prefix}/chat/completions", body=json.dumps(body),
                                   headers={**self._headers(), "Content-Type": "application/json",
                                            "Accept": "text/event-stream"})
                watcher.start()
                response = connection.getresponse()
                if response.status != 200:
                    raise ModelError(self._http_error(response.status, response.read()))
                for event in _server_sent_events(response):
                    if cancel.cancelled:
                        finish = "cancelled"
                        break
                    usage = event.get("usage") or usage
                    timings = event.get("timings") or timings
                    for choice in event.get("choices") or []:
                        deltas = self._deltas(choice.get("delta") or {}, harmony)
                        if deltas and first_at is None:
                            first_at = time.perf_counter()
                        pieces += bool(deltas)
                        yield from deltas
                        if choice.get("finish_reason"):
                            finish = "length" if choice["finish_reason"] == "length" else "stop"
            except _CancelledBeforeStart:
                pass
            except (OSError, http.client.HTTPException) as exc:
                if not cancel.cancelled:
                    raise self._unreachable(exc) from None
            if cancel.cancelled:
                finish = "cancelled"
            else:
                yield from harmony.finish()
            yield self._usage(usage, timings, pieces, started, first_at, time.perf_counter(), finish)
        finally:
            finished.set()
            connection.close()

    def _request_body(self, conversation: Sequence[Message], params: SamplingParams) -> dict[str, Any]:
        sampling = recommended_sampling(self._info.architecture == "gpt-oss", params)
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in conversation],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": params.max_tokens,
            "reasoning_effort": params.reasoning_effort,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
        }
        if params.top_k is not None:
            body["top_k"] = params.top_k
        if params.seed is not None:
            body["seed"] = params.seed
        return body

    @staticmethod
    def _deltas(delta: dict[str, Any], harmony: HarmonyParser) -> list[Delta]:
        out: list[Delta] = []
        for field in REASONING_FIELDS:
            text = delta.get(field)
            if isinstance(text, str) and text:
                out.append(Delta("reasoning", text))
        content = delta.get("content")
        if isinstance(content, str) and content:
            out += harmony.feed(content)
        return out

    @staticmethod
    def _usage(usage: dict[str, Any], timings: dict[str, Any], pieces: int, started: float,
               first_at: float | None, ended: float, finish: str) -> Usage:
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or pieces)
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
        if isinstance(timings.get("prompt_n"), int):  # llama-server says what it evaluated
            evaluated = timings["prompt_n"]
        elif isinstance(cached, int):
            evaluated = prompt - cached
        else:  # the server does not say: count every prompt token as evaluated
            evaluated = prompt
        return Usage.measured(
            prompt_tokens=prompt,
            prompt_tokens_evaluated=max(0, min(evaluated, prompt)) if prompt else evaluated,
            completion_tokens=completion,
            started=started,
            first_token_at=first_at,
            ended=ended,
            finish_reason=finish,
        )

    @staticmethod
    def _close_on_cancel(connection: http.client.HTTPConnection, cancel: CancelToken,
                         finished: threading.Event) -> None:
        while not finished.is_set():
            if cancel.wait(_CANCEL_POLL_SECONDS):
                sock = connection.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=timeout)

    def _headers(self) -> dict[str, str]:
        key = self._server.api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _unreachable(self, exc: Exception) -> ModelError:
        return ModelError(
            f"no OpenAI-compatible server answers at {self._server.base_url} ({exc.__class__.__name__}: {exc}): "
            "start it (e.g. llama-server -m MODEL.gguf --port 8080) or fix model.server.base_url"
        )

    def _http_error(self, status: int, body: bytes) -> str:
        text = body.decode("utf-8", "replace")
        try:
            detail = json.loads(text)
            if isinstance(detail, dict):
                error = detail.get("error", detail.get("detail", detail))
                text = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        except ValueError:
            pass
        text = visible_controls(" ".join(text.split()))[:300]
        return f"the server at {self._server.base_url} answered HTTP {status}: {text}"


def _server_sent_events(response: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
    """The JSON payloads of `data:` lines until `data: [DONE]`."""
    data_lines: list[str] = []
    for raw in response:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("data:"):
            data_lines.append(line[5:].lstrip())
            continue
        if line or not data_lines:
            continue
        payload, data_lines = "\n".join(data_lines), []
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except ValueError:
            continue
        if isinstance(event, dict):
            if "error" in event:
                error = event["error"]
                message = error.get("message", error) if isinstance(error, dict) else error
                raise ModelError(f"the server reported an error: {visible_controls(str(message))[:300]}")
            yield event
