"""Alembic's environment for the register: always run on a connection the caller passes.

There is no ``alembic.ini``: ``admission_flow.store._migrate`` configures
Alembic in code and hands over its connection in ``config.attributes``.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
