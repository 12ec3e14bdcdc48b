"""The domain's values and what every layer above reads them with.

Frozen values (``Person``, ``Unit``, ``Case``, ``Step``...), the checks their constructors
run, read-only mappings, calendar-month arithmetic, the working-day calendar, and the
values' JSON and canonical forms. Nothing here knows procedures, plugins or storage.
"""
