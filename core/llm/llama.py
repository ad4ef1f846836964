"""The in-process llama.cpp backend (llama-cpp-python).

Generation runs at token level (`Llama.generate`) and detokenises with special=True, so the
harmony markers of GPT-OSS survive to the parser (the completion API would drop them).

Concurrency: one generation at a time. A second `stream()` while one runs raises
ModelBusyError at its first iteration instead of waiting, so a UI never hangs behind a long
answer; the caller cancels the running one first.

KV-cache reuse: llama-cpp-python keeps the tokens of the previous call and evaluates only what
follows the longest common prefix. The prompt tokens actually evaluated are counted at the
`eval` call itself, so a prefix that could not be reused shows up in the figures.
"""

import codecs
import ctypes
import inspect
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.cancel import CancelToken
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
from core.llm.completion_prompt import CompletionAnswer, render_completion_prompt
from core.llm.gguf import GGUFInfo, read_gguf
from core.llm.harmony import HarmonyParser

GPT_OSS_ARCHITECTURE = "gpt-oss"
GPT_OSS_STOP_MARKERS = ("<|return|>", "<|call|>")


@dataclass(frozen=True)
class LoadSettings:
    context_size: int = 8192
    gpu_layers: int | None = None  # None: all layers when the build can offload, else 0
    threads: int | None = None
    flash_attention: bool = True
    seed: int = 42


def resolve_gpu_layers(requested: int | None) -> int:
    import llama_cpp

    if requested is not None:
        return requested
    return -1 if llama_cpp.llama_supports_gpu_offload() else 0


class _Cancelled(Exception):
    pass


class _EvalMeter:
    """Wraps Llama.eval: counts tokens evaluated, and checks cancel between prompt batches."""

    def __init__(self, evaluate: Callable[[Sequence[int]], None], batch: int) -> None:
        self._evaluate, self._batch = evaluate, batch
        self.count = 0
        self.cancel: CancelToken | None = None

    def __call__(self, tokens: Sequence[int]) -> None:
        if len(tokens) <= self._batch:  # every generated token: no copies, nothing to check between
            self._evaluate(tokens)
            self.count += len(tokens)
            return
        for start in range(0, len(tokens), self._batch):
            if start and self.cancel is not None and self.cancel.cancelled:
                raise _Cancelled
            chunk = tokens[start:start + self._batch]
            self._evaluate(chunk)
            self.count += len(chunk)


class _LlamaLog:
    """Receives llama.cpp's log lines, keeps the recent ones for error messages, prints none."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=200)
        self._partial = ""
        import llama_cpp

        @llama_cpp.llama_log_callback
        def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            self._partial += text.decode("utf-8", errors="replace")
            *complete, self._partial = self._partial.split("\n")
            self.lines.extend(line for line in complete if line.strip())

        self._callback = callback  # the C side holds only a pointer: keep the object alive
        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))

    def recent(self) -> str:
        return " | ".join(list(self.lines)[-5:])


_LOG: _LlamaLog | None = None


def _install_log() -> _LlamaLog:
    global _LOG
    if _LOG is None:
        _LOG = _LlamaLog()
    return _LOG


class LlamaBackend:
    """A GGUF loaded once into this process. See the module docstring for the rules."""

    def __init__(self, llm: Any, gguf: GGUFInfo, gpu_layers: int, is_demo: bool) -> None:
        import llama_cpp

        self._llm = llm
        self._gguf = gguf
        self._lock = threading.Lock()
        self._closed = False
        self._gpt_oss = gguf.architecture == GPT_OSS_ARCHITECTURE or "<|channel|>" in (gguf.chat_template or "")
        self._bos_text = self._piece(llm.token_bos())
        self._add_bos = bool(llm._model.add_bos_token())
        self._formatter = self._make_formatter(gguf.chat_template)
        self._meter = _EvalMeter(llm.eval, llm.n_batch)
        llm.eval = self._meter  # instance attribute: generate() calls self.eval
        self._stop_tokens = self._find_stop_tokens(llama_cpp)
        self._info = ModelInfo(
            name=gguf.name or gguf.path.name,
            path=str(gguf.path),
            architecture=gguf.architecture,
            context_size=llm.n_ctx(),
            on_gpu=gpu_layers != 0 and bool(llama_cpp.llama_supports_gpu_offload()),
            backend="llama",
            is_demo=is_demo,
        )

    @classmethod
    def load(cls, path: str | Path, settings: LoadSettings, *, is_demo: bool = False,
             on_progress: ProgressCallback | None = None) -> "LlamaBackend":
        """Check the file, then load it. Every failure is a one-line ModelError."""
        report = on_progress or (lambda message, fraction: None)
        report(f"reading {Path(path).name}", 0.05)
        gguf = read_gguf(path)
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelError(f"llama-cpp-python is not installed or broken ({exc}): "
                             "pip install llama-cpp-python") from None
        gpu_layers = resolve_gpu_layers(settings.gpu_layers)
        if gpu_layers == 0:
            check_memory(gguf)
        log = _install_log()
        log.lines.clear()
        kwargs: dict[str, Any] = {
            "model_path": str(gguf.path),
            "n_ctx": settings.context_size,
            "n_gpu_layers": gpu_layers,
            "seed": settings.seed,
            "verbose": False,
        }
        if settings.threads is not None:
            kwargs["n_threads"] = settings.threads
            kwargs["n_threads_batch"] = settings.threads
        if "flash_attn" in inspect.signature(llama_cpp.Llama.__init__).parameters:
            kwargs["flash_attn"] = settings.flash_attention
        where = "GPU" if gpu_layers != 0 else "CPU"
        prefetch(gguf, report)
        report(f"loading {gguf.name or gguf.path.name} ({gguf.file_type}) on {where}", 0.85)
        try:
            llm = llama_cpp.Llama(**kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise load_error(gguf, log.recent() or str(exc)) from None
        report("model ready", 1.0)
        return cls(llm, gguf, gpu_layers, is_demo)

    # -- the protocol ---------------------------------------------------------------------

    def info(self) -> ModelInfo:
        return self._info

    @property
    def speaks_harmony(self) -> bool:
        return self._gpt_oss

    def render_prompt(self, conversation: Sequence[Message], reasoning_effort: str = "medium",
                      code_fence: str | None = None) -> str:
        """The exact prompt text the model sees (chat template, or the completion layout)."""
        if self._formatter is None:
            return render_completion_prompt(conversation, code_fence)
        return render_chat_prompt(self._formatter, conversation, reasoning_effort)

    def count_tokens(self, conversation: Sequence[Message], reasoning_effort: str = "medium") -> int:
        return len(self._tokenize(self.render_prompt(conversation, reasoning_effort)))

    def stream(
        self, conversation: Sequence[Message], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[Delta | Usage]:
        if self._closed:
            raise ModelError("the model was closed: load it again")
        if not self._lock.acquire(blocking=False):
            raise ModelBusyError("the model is already generating: cancel that answer or wait for it")
        try:
            yield from self._generate(conversation, params, cancel)
        finally:
            self._meter.cancel = None
            self._lock.release()

    def close(self) -> None:
        """Free the weights. While a generation still holds the model (a stream not closed),
        freeing would crash it: then the weights go when the last reference does."""
        if self._closed:
            return
        self._closed = True
        if self._lock.acquire(timeout=5):
            try:
                self._llm.close()
            finally:
                self._lock.release()

    # -- internals ------------------------------------------------------------------------

    def _generate(
        self, conversation: Sequence[Message], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[Delta | Usage]:
        started = time.perf_counter()
        prompt = self._tokenize(self.render_prompt(conversation, params.reasoning_effort, params.code_fence))
        context = self._info.context_size
        if len(prompt) >= context:
            raise ModelError(
                f"the prompt takes {len(prompt)} tokens but the model's context holds {context}: "
                "shorten the task or raise model.context_size"
            )
        budget = min(params.max_tokens, context - len(prompt))
        sampling = recommended_sampling(self._gpt_oss, params)
        if params.seed is not None:
            self._llm.set_seed(params.seed)

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        harmony = HarmonyParser() if self._gpt_oss else None
        completion = CompletionAnswer(params.code_fence) if self._formatter is None and not self._gpt_oss else None
        self._meter.count, self._meter.cancel = 0, cancel
        if _LOG is not None:
            _LOG.lines.clear()
        evaluated: int | None = None
        first_token_at: float | None = None
        produced = 0
        finish = "length"
        detokenize, stop_tokens = self._llm.detokenize, self._stop_tokens

        if completion is not None:  # the prompt may have opened the code block: the answer starts with it too
            yield from self._route(completion.opening, harmony, completion)
        tokens = self._llm.generate(prompt, temp=sampling.temperature, top_p=sampling.top_p,
                                    top_k=sampling.top_k, min_p=sampling.min_p, repeat_penalty=1.0)
        try:
            if cancel.cancelled:
                raise _Cancelled
            for token in tokens:
                if first_token_at is None:
                    first_token_at, evaluated = time.perf_counter(), self._meter.count
                produced += 1
                if token in stop_tokens:
                    finish = "stop"
                    break
                text = decoder.decode(detokenize([token], special=True))
                if text:
                    yield from self._route(text, harmony, completion)
                    if completion is not None and completion.stopped:
                        finish = "stop"
                        break
                if cancel.cancelled:
                    raise _Cancelled
                if produced >= budget:
                    break
        except _Cancelled:
            finish = "cancelled"
        except RuntimeError as exc:  # llama_decode failures (e.g. out of GPU memory mid-answer)
            detail = (_LOG.recent() if _LOG else "") or str(exc)
            raise ModelError(f"llama.cpp failed while generating: {detail}") from None
        finally:
            tokens.close()
        if finish != "cancelled":
            yield from self._route(decoder.decode(b"", final=True), harmony, completion)
            yield from self._flush(harmony, completion)
        yield Usage.measured(
            prompt_tokens=len(prompt),
            prompt_tokens_evaluated=self._meter.count if evaluated is None else evaluated,
            completion_tokens=produced,
            started=started,
            first_token_at=first_token_at,
            ended=time.perf_counter(),
            finish_reason=finish,
        )

    @staticmethod
    def _route(text: str, harmony: HarmonyParser | None, completion: CompletionAnswer | None) -> list[Delta]:
        """Harmony output splits into channels; any other output is the answer (cut by the
        completion guards when the prompt was a plain completion)."""
        if not text:
            return []
        if harmony is not None:
            return harmony.feed(text)
        if completion is not None:
            text = completion.feed(text)
        return [Delta("answer", text)] if text else []

    @staticmethod
    def _flush(harmony: HarmonyParser | None, completion: CompletionAnswer | None) -> list[Delta]:
        if harmony is not None:
            return harmony.finish()
        rest = completion.finish() if completion is not None else ""
        return [Delta("answer", rest)] if rest else []

    def _tokenize(self, prompt: str) -> list[int]:
        add_bos = self._add_bos and not (self._bos_text and prompt.startswith(self._bos_text))
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def _piece(self, token: int) -> str:
        """A token's text, special tokens spelt out ("" for the -1 of a token the model lacks)."""
        return self._llm.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    def _make_formatter(self, template: str | None) -> Any:
        if not template:
            return None
        return make_chat_formatter(template, self._bos_text, self._piece(self._llm.token_eos()),
                                   self._gguf.path.name)

    def _find_stop_tokens(self, llama_cpp: Any) -> frozenset[int]:
        """End-of-generation tokens; for GPT-OSS exactly <|return|> and <|call|> (and EOS),
        since <|end|> only closes the analysis message and the answer follows it."""
        eos = {self._llm.token_eos()} - {-1}
        if self._gpt_oss:
            found = set(eos)
            for marker in GPT_OSS_STOP_MARKERS:
                ids = self._llm.tokenize(marker.encode(), add_bos=False, special=True)
                if len(ids) == 1:
                    found.add(ids[0])
            return frozenset(found)
        vocab = self._llm._model.vocab
        eog = {t for t in range(self._llm.n_vocab()) if llama_cpp.llama_vocab_is_eog(vocab, t)}
        return frozenset(eog | eos)


def make_chat_formatter(template: str, bos_token: str, eos_token: str, source: str) -> Any:
    """llama-cpp-python's Jinja2 renderer for the GGUF's own chat template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    try:
        return Jinja2ChatFormatter(template=template, eos_token=eos_token, bos_token=bos_token,
                                   add_generation_prompt=True)
    except Exception as exc:  # jinja2 syntax errors and the like
        raise ModelError(f"the chat template inside {source} is broken: {exc}") from None


def render_chat_prompt(formatter: Any, conversation: Sequence[Message], reasoning_effort: str) -> str:
    """The prompt text; gpt-oss's template reads `reasoning_effort` ("Reasoning: high")."""
    messages = [{"role": m.role, "content": m.content} for m in conversation]
    try:
        return formatter(messages=messages, reasoning_effort=reasoning_effort).prompt
    except Exception as exc:  # a template can raise anything (jinja2 errors, raise_exception)
        raise ModelError(f"the model's chat template failed on this conversation: {exc}") from None


def prefetch(gguf: GGUFInfo, report: ProgressCallback, start: float = 0.1, end: float = 0.85) -> None:
    """Read the file once, reporting progress, so that llama.cpp (which cannot report its own)
    then maps weights that are already in the page cache. Skipped when the file would not fit
    in free memory twice over: the reads would only evict each other."""
    available = available_memory_bytes()
    if available is None or gguf.size_bytes * 2 > available:
        return
    chunk = bytearray(16 * 2**20)
    done, step = 0, max(gguf.size_bytes // 20, 1)
    next_report = step
    with gguf.path.open("rb", buffering=0) as handle:
        while read := handle.readinto(chunk):
            done += read
            if done >= next_report:
                next_report += step
                report(f"reading weights {_size(done)} of {_size(gguf.size_bytes)}",
                       start + (end - start) * min(done / gguf.size_bytes, 1.0))


def _size(count: int) -> str:
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"


def check_memory(gguf: GGUFInfo) -> None:
    """Refuse a CPU load that cannot fit in the memory this machine has free."""
    available = available_memory_bytes()
    if available is not None and gguf.size_bytes > available:
        raise ModelError(
            f"not enough memory for {gguf.path.name}: it needs about {gguf.size_bytes / 2**30:.1f} GiB, "
            f"{available / 2**30:.1f} GiB is free; close programs, use a smaller quantisation, "
            "or build llama-cpp-python with GPU support"
        )


def available_memory_bytes() -> int | None:
    """MemAvailable plus free swap from /proc/meminfo (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle if line.count(" ")}
    except (OSError, ValueError, IndexError):
        return None
    if "MemAvailable" not in fields:
        return None
    return fields["MemAvailable"] + fields.get("SwapFree", 0)


def load_error(gguf: GGUFInfo, detail: str) -> ModelError:
    """One line saying why llama.cpp refused the file, from its own log."""
    lowered = detail.lower()
    name = gguf.path.name
    if "unknown model architecture" in lowered or "unknown architecture" in lowered:
        return ModelError(
            f"this llama.cpp build does not know the architecture {gguf.architecture!r} of {name}: "
            "upgrade llama-cpp-python (pip install -U llama-cpp-python)"
        )
    if any(word in lowered for word in ("out of memory", "failed to allocate", "cannot allocate", "unable to allocate")):
        return ModelError(
            f"not enough memory to load {name}: lower model.context_size or model.gpu_layers, "
            "or use a smaller quantisation"
        )
    return ModelError(f"llama.cpp could not load {name} ({gguf.architecture}, {gguf.file_type}): {detail}")
