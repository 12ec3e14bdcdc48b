"""Unit rule packs for admission_flow: local rules as ordinary plugins.

The standard procedure holds the national rules. What a school, a ward or a
hospital adds on top of them lives here, one module per kind of unit, each an
ordinary pluggy plugin.

Two sorts:

- rules on one case's events (``school.SympathizerPeriod``), which refuse
  events: a user registers them on purpose::

      plugins = admission_flow.Plugins([admission_flow_rules.school])

  or ``admission-flow -p admission_flow_rules.school run ...``;
- rules on units (``school.POSITIONS``, ``residential``, ``sector``), which
  judge a unit against the targets its unit file sets and only report: they are
  installed on the entry point ``admission_flow`` and load with every
  ``Plugins()``, each silent for units whose data do not ask for it.
"""

__all__: list[str] = []
