"""The widgets the window is made of: detail pane, sidebar, search bar, notices, welcome page,
task status, reader tabs, dialogs, and the Qt models of the paper list and the sidebar.

Widgets know nothing of the window or of the features; they take data in and report what the
user did as signals.
"""
