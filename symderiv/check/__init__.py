"""Checking: the engines (generic proof, bounded verification, refutation) and verdicts."""
