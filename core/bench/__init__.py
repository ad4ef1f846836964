"""Evaluation: run a suite of tasks (the built-in one, or HumanEval) through the real engine and
report the pass rate after each attempt — the self-debugging curve."""
