"""ondevice-coding-assistant engine: a plain library, no terminal UI imports."""

__version__ = "0.1.0"
