"""The full-screen Textual face of the assistant. Nothing in core/ imports this package."""
