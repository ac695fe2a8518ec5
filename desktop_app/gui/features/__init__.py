"""The window's features: each one a module built from the small host interface."""
