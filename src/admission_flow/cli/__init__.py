"""The ``admission-flow`` command: one module per family of commands."""
