"""Web layer: app factory, unit-of-work routing, errors, CSRF, templates and static files."""
