"""Expert pool, classification, avoidance, verifiable draw, blacklist."""
