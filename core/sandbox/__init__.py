"""Sandboxes that run model-written code: Docker (default), bubblewrap, Firejail, subprocess."""
