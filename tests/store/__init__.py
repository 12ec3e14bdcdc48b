"""The register's tests, on SQLite and PostgreSQL."""
