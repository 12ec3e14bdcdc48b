"""Unit rule packs for admission_flow: local rules as ordinary plugins.

The standard procedure holds the national rules. What a school, a ward or a
hospital adds on top of them lives here, one module per kind of unit, each an
ordinary pluggy plugin that a user registers on purpose (nothing here is
registered by default)::

    plugins = admission_flow.Plugins([admission_flow_rules.school])

or, on the command line, ``admission-flow -p admission_flow_rules.school run ...``.
"""

__all__: list[str] = []
