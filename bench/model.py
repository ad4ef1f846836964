"""Generation speed through LlamaBackend against raw llama-cpp-python, side by side.

Both sides load the same GGUF with the same settings into their own `Llama`, get the same
prompt tokens, sampling values, seed and end-of-answer rules, and are timed the same way: time to first token from
the call, tokens/s over the tokens after the first. Rounds alternate which side goes first, and
every round's prompt starts differently so neither side profits from the KV cache. Target:
backend tokens/s ≥ 0.97 × raw. The CPU seconds each call takes are printed too: on a machine
busy with other work, wall-clock figures swing widely while CPU time stays comparable.

    .venv/bin/python bench/model.py [--rounds 6] [--tokens 128] [--model PATH] [--threads N]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import llama_cpp  # noqa: E402

from core.cancel import CancelToken  # noqa: E402
from core.llm.base import Message, SamplingParams, Usage, recommended_sampling  # noqa: E402
from core.llm.completion_prompt import CompletionAnswer  # noqa: E402
from core.llm.llama import LlamaBackend, LoadSettings, resolve_gpu_layers  # noqa: E402
from core.llm.registry import assemble_embedded  # noqa: E402

SEED = 11
TASK = ("Write a Python program that reads a CSV file of sales (date, region, amount), totals the "
        "amount per region and per month, and prints both tables sorted by total, largest first.")


def conversation(round_number: int) -> list[Message]:
    return [Message("system", f"Session {round_number}. You write clear, complete Python programs."),
            Message("user", TASK)]


def through_backend(backend: LlamaBackend, messages: list[Message], tokens: int) -> tuple[float, float, int, float]:
    cpu = time.process_time()
    usage = None
    for item in backend.stream(messages, SamplingParams(max_tokens=tokens, seed=SEED), CancelToken()):
        if isinstance(item, Usage):
            usage = item
    assert usage is not None
    cpu = time.process_time() - cpu
    return usage.time_to_first_token_s, usage.tokens_per_second, usage.completion_tokens, cpu


def through_raw(llm: llama_cpp.Llama, prompt: str, tokens: int, stops: frozenset[int]) -> tuple[float, float, int, float]:
    cpu = time.process_time()
    sampling = recommended_sampling(False, SamplingParams())
    started = time.perf_counter()
    ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
    llm.set_seed(SEED)
    first = None
    produced = 0
    answer = CompletionAnswer()  # the backend's end-of-answer rules, so both sides stop at the same token
    for token in llm.generate(ids, temp=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                              min_p=sampling.min_p, repeat_penalty=1.0):
        if first is None:
            first = time.perf_counter()
        produced += 1
        if token in stops:
            break
        answer.feed(llm.detokenize([token], special=True).decode("utf-8", "replace"))
        if answer.stopped or produced >= tokens:
            break
    ended = time.perf_counter()
    assert first is not None
    cpu = time.process_time() - cpu
    return first - started, (produced - 1) / (ended - first), produced, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--model", help="a GGUF without chat template (default: the embedded model)")
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--threads", type=int, help="CPU threads for both sides (default: llama.cpp's choice)")
    args = parser.parse_args()

    path = Path(args.model) if args.model else assemble_embedded()
    settings = LoadSettings(context_size=args.context, seed=SEED, threads=args.threads)
    backend = LlamaBackend.load(path, settings)
    if backend.speaks_harmony or backend.render_prompt(conversation(0)) == "":
        print("use a model without chat template so both sides see the same plain prompt")
        return 2
    threads = {"n_threads": args.threads, "n_threads_batch": args.threads} if args.threads else {}
    raw = llama_cpp.Llama(model_path=str(path), n_ctx=args.context, n_gpu_layers=resolve_gpu_layers(None),
                          seed=SEED, flash_attn=settings.flash_attention, verbose=False, **threads)
    stops = frozenset(t for t in range(raw.n_vocab()) if llama_cpp.llama_vocab_is_eog(raw._model.vocab, t))
    info = backend.info()
    print(f"model {info.name} ({info.architecture}) on {'GPU' if info.on_gpu else 'CPU'}, "
          f"threads {args.threads or 'default'}, context {args.context}, {args.tokens} tokens max, {args.rounds} rounds, "
          f"llama-cpp-python {llama_cpp.__version__}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'round':>5}  {'side':<8} {'TTFT s':>8} {'tok/s':>8} {'tokens':>6} {'CPU s':>7}")
    results: dict[str, list[tuple[float, float, int, float]]] = {"backend": [], "raw": []}
    through_backend(backend, conversation(-1), 8)  # warm both once
    through_raw(raw, backend.render_prompt(conversation(-2)), 8, stops)
    for number in range(args.rounds):
        messages = conversation(number)
        prompt = backend.render_prompt(messages)
        order = ["backend", "raw"] if number % 2 == 0 else ["raw", "backend"]
        for side in order:
            if side == "backend":
                figures = through_backend(backend, messages, args.tokens)
            else:
                figures = through_raw(raw, prompt, args.tokens, stops)
            results[side].append(figures)
            print(f"{number:>5}  {side:<8} {figures[0]:>8.3f} {figures[1]:>8.1f} {figures[2]:>6} {figures[3]:>7.3f}")

    ttft = {side: statistics.median(r[0] for r in rows) for side, rows in results.items()}
    speed = {side: statistics.median(r[1] for r in rows) for side, rows in results.items()}
    print(f"median  backend: TTFT {ttft['backend']:.3f} s, {speed['backend']:.1f} tok/s")
    print(f"median  raw:     TTFT {ttft['raw']:.3f} s, {speed['raw']:.1f} tok/s")
    paired = statistics.median(b[1] / r[1] for b, r in zip(results["backend"], results["raw"], strict=True))
    ratio = speed["backend"] / speed["raw"]
    print(f"tokens/s ratio backend/raw: {ratio:.3f} of the medians, {paired:.3f} median of the per-round "
          f"ratios (target >= 0.97); TTFT ratio backend/raw: {ttft['backend'] / ttft['raw']:.3f}")
    cpu_ratio = statistics.median(r[3] / b[3] for b, r in zip(results["backend"], results["raw"], strict=True))
    print(f"CPU time per call raw/backend (same tokens in and out; contention-proof): {cpu_ratio:.3f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine widens the spread)")
    backend.close()
    raw.close()
    return 0 if paired >= 0.97 else 1


if __name__ == "__main__":
    sys.exit(main())
