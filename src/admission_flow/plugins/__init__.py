"""The plugin manager: pluggy called one plugin at a time, every answer checked.

Also ``load_procedure``, since loading a procedure needs the rules and bundled procedures
that the installed plugins contribute.
"""
