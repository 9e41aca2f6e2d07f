"""Transparency ledger: append-only Merkle log (RFC 6962), signed tree heads, proofs."""
