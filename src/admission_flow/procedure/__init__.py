"""A procedure: its specification, its facts, its rule API, and loading it from YAML.

The one YAML reader, the reader that collects every problem with its position, the three
loading passes (structure, rules, shape) and the invariants section. Depends only on
``admission_flow.model``.
"""
