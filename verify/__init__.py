"""Exact enumeration and certified checking of DLM sampler convergence bounds.

Sub-packages, one per stage of the data flow (``certify`` imports no other sub-package,
``engine`` imports ``certify``, ``claims`` both, ``cli`` sits on top; no cycles):
``engine`` (the law, subset marginals and information measures, plans as laws over reveal plans,
exact output laws by dynamic programming, predictors, metrics), ``certify`` (exact log-linear
forms, enclosures and verdicts), ``claims`` (the claim model and the registry runner), ``cli``
(the command line and the report). ``errors``, ``guard``, ``specs`` and ``output`` are shared.
"""
