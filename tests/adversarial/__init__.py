"""Adversarial tests, one file per attack surface; each case asserts its refusal and that the store is unchanged."""
