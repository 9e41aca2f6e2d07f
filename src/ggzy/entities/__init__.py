"""Market entities (register once, province-wide), their users, roles, sessions and API tokens."""
