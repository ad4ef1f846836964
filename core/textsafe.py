"""Make hostile text (program or model output) safe to put on a terminal or in a widget.

Control characters and escape sequences become visible `\\x1b`-style text; newlines and tabs
stay. Rich markup is never interpreted anywhere: renderers use plain `Text`, not markup strings.
"""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible_controls(text: str) -> str:
    """Replace every control character but \\n and \\t with its escaped form (ESC → '\\x1b')."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\r\n", "\n"))
