"""Judging an event: compiled events, deadlines and dates, routing, escalation.

``_routing`` is the fast dictionary router; ``_machine`` the same through one
``transitions.Machine`` per procedure, kept as the reference a property test compares with.
"""
