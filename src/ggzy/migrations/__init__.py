"""Alembic migrations: one linear history from the first table on."""
