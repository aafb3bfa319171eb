"""Reports: rich text, JSON (the contract), and more formats built on the same values."""
