"""Exact laws and quantities: the target, subset marginals and information measures, reveal plans
and size laws, predictors, exact output laws by dynamic programming, metrics and entropy profiles."""
