"""Phase: the rules that expand targets into stages: the rule API, the StageBuilder, the built-
in rules, the registry."""
