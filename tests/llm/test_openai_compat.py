"""The OpenAI-compatible backend against a real llama_cpp.server on loopback, and against a
replayed event stream for the reasoning fields that the small model cannot produce."""

import http.server
import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from core.cancel import CancelToken
from core.config import ServerConfig
from core.errors import ModelBusyError, ModelError
from core.llm.base import Delta, Message, SamplingParams, Usage
from core.llm.openai_compat import OpenAICompatBackend, check_base_url, is_loopback_host
from tests.conftest import require

TASK = [Message("user", "Write a Python program that prints hello.")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def collect(backend, params=None, cancel=None):
    items = list(backend.stream(TASK, params or SamplingParams(max_tokens=16, seed=1), cancel or CancelToken()))
    return [i for i in items if isinstance(i, Delta)], items[-1]


@pytest.fixture(scope="module")
def llama_server(embedded_model_path):
    try:
        import llama_cpp.server.app  # noqa: F401
        has_server = True
    except ImportError:
        has_server = False
    require(has_server, "llama-cpp-python[server]")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "1024", "--model_alias", "gemma-demo", "--chat_format", "gemma", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            OpenAICompatBackend(ServerConfig(base_url=base_url), "?", 1024).list_models()
            break
        except ModelError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("llama_cpp.server did not start")
            time.sleep(0.2)
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.model
def test_connect_picks_the_served_model(llama_server):
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=llama_server), 1024)
    assert backend.info().name == "gemma-demo" and backend.info().backend == "openai"


@pytest.mark.model
def test_connect_refuses_a_model_the_server_does_not_serve(llama_server):
    with pytest.raises(ModelError, match="does not serve 'other'.*gemma-demo"):
        OpenAICompatBackend.connect(ServerConfig(base_url=llama_server, model="other"), 1024)


@pytest.mark.model
def test_real_server_streams_answer_deltas_and_usage(llama_server):
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=llama_server), 1024)
    deltas, usage = collect(backend)
    assert deltas and all(d.channel == "answer" for d in deltas)
    assert isinstance(usage, Usage) and usage.finish_reason in ("stop", "length")
    assert 0 < usage.completion_tokens <= 16 and usage.time_to_first_token_s > 0


@pytest.mark.model
def test_cancel_closes_the_connection_mid_stream(llama_server):
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=llama_server), 1024)
    cancel = CancelToken()
    seen, usage = 0, None
    for item in backend.stream(TASK, SamplingParams(max_tokens=400, seed=2, temperature=0.9), cancel):
        if isinstance(item, Usage):
            usage = item
            break
        seen += 1
        if seen == 2:
            cancel.cancel()
    assert usage is not None and usage.finish_reason == "cancelled" and seen == 2
    assert collect(backend)[1].completion_tokens > 0  # the server still serves the next request


def test_nothing_listening_is_a_one_line_error():
    backend = OpenAICompatBackend(ServerConfig(base_url=f"http://127.0.0.1:{free_port()}/v1"), "m", 1024)
    with pytest.raises(ModelError, match="no OpenAI-compatible server answers at http://127.0.0.1"):
        collect(backend)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts(host):
    assert is_loopback_host(host)


def test_other_hosts_are_refused_unless_named_by_the_user():
    assert not is_loopback_host("192.168.1.20")
    with pytest.raises(ModelError, match="not on this machine"):
        check_base_url("http://192.168.1.20:8000/v1", allow_remote=False)
    assert check_base_url("http://192.168.1.20:8000/v1", allow_remote=True)[1] == "192.168.1.20"


def test_non_http_url_is_refused():
    with pytest.raises(ModelError, match="not an http"):
        check_base_url("ftp://127.0.0.1/v1", allow_remote=False)


# -- a replayed event stream: the reasoning fields of llama-server / vLLM, harmony passed through

def _events(*deltas, usage=None, timings=None):
    lines = [f"data: {json.dumps({'choices': [{'index': 0, 'delta': d, 'finish_reason': None}]})}\n\n"
             for d in deltas]
    last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if usage:
        last["usage"] = usage
    if timings:
        last["timings"] = timings
    lines.append(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n")
    return "".join(lines).encode()


class _Replay(http.server.BaseHTTPRequestHandler):
    body = b""
    requests: list = []

    def do_GET(self):
        payload = json.dumps({"object": "list", "data": [{"id": "gpt-oss-20b"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        _Replay.requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for start in range(0, len(self.body), 7):  # odd-sized writes: events split mid-line
            self.wfile.write(self.body[start:start + 7])
            self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture()
def replay():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Replay.requests = []
    yield server, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_reasoning_content_field_goes_to_the_reasoning_channel(replay):
    _, url = replay
    _Replay.body = _events({"reasoning_content": "Think "}, {"reasoning_content": "more."},
                           {"content": "print('hi')"},
                           usage={"prompt_tokens": 50, "completion_tokens": 9}, timings={"prompt_n": 12})
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=url), 8192)
    deltas, usage = collect(backend)
    assert "".join(d.text for d in deltas if d.channel == "reasoning") == "Think more."
    assert "".join(d.text for d in deltas if d.channel == "answer") == "print('hi')"
    assert (usage.prompt_tokens, usage.prompt_tokens_evaluated, usage.completion_tokens) == (50, 12, 9)


def test_harmony_markup_in_content_is_split_into_channels(replay):
    _, url = replay
    _Replay.body = _events({"content": "<|channel|>analysis<|mess"}, {"content": "age|>plan<|end|><|start|>"},
                           {"content": "assistant<|channel|>final<|message|>x = 1<|return|>"})
    deltas, _ = collect(OpenAICompatBackend.connect(ServerConfig(base_url=url), 8192))
    assert [(d.channel, d.text) for d in deltas] == [("reasoning", "plan"), ("answer", "x = 1")]


def test_gpt_oss_requests_carry_reasoning_effort_and_the_model_card_sampling(replay):
    _, url = replay
    _Replay.body = _events({"content": "ok"})
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=url), 8192)
    collect(backend, SamplingParams(max_tokens=5, reasoning_effort="high"))
    sent = _Replay.requests[-1]
    assert (sent["model"], sent["reasoning_effort"], sent["temperature"], sent["top_p"]) == ("gpt-oss-20b", "high", 1.0, 1.0)
    assert sent["stream"] is True


def test_second_concurrent_stream_is_refused_as_busy(replay):
    _, url = replay
    _Replay.body = _events({"content": "a"}, {"content": "b"})
    backend = OpenAICompatBackend.connect(ServerConfig(base_url=url), 8192)
    running = backend.stream(TASK, SamplingParams(max_tokens=5), CancelToken())
    next(running)
    try:
        with pytest.raises(ModelBusyError):
            next(backend.stream(TASK, SamplingParams(max_tokens=5), CancelToken()))
    finally:
        running.close()
