"""The formula language: a lark grammar, parsed into frozen AST nodes (nothing is ever run)."""
