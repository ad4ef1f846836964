"""The built-in evaluation suite: one YAML file per task (prompt, hidden checker, reference and
wrong solutions). Read by core.bench.suite; the checker and solutions never reach the model."""
