"""One widget (or screen) per module; the app composes them."""
