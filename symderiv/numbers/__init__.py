"""Number domains and the numpy evaluator: arithmetic on values, knowing no spec names."""
