"""Building: name resolution and shapes (`scope`), then sympy objects (`symbolic`)."""
