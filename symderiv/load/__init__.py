"""Loading: a YAML spec file -> a frozen `Spec` whose every node knows its file:line:column."""
