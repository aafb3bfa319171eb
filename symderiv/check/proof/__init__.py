"""Proofs a teacher can print: a claim's derivation recorded rule by rule, every step decided."""
