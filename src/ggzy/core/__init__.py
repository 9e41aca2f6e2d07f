"""Shared primitives: settings, database, clock, errors, security, events."""
