"""Public disclosure portal: notice lists, search, open data (OCDS), change feed and statistics."""
