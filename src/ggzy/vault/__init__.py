"""Sealed bids: envelope encryption, opening keys, k-of-n custodian shares, receipts (no database here)."""
