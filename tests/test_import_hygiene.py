"""core/ is a plain library: importing any of its modules must not import textual or rich."""

import pkgutil
import subprocess
import sys

import core

CORE_MODULES = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "core."))


def test_core_modules_are_found():
    assert "core.engine" in CORE_MODULES and "core.cli.tui_command" in CORE_MODULES


def test_importing_every_core_module_imports_neither_textual_nor_rich():
    script = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", f"core imported: {result.stdout.strip()}"
