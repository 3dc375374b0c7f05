"""Exact enumeration and certified checking of DLM sampler convergence bounds.

Stages (one module each): ``target`` (the law), ``info`` (subset marginals and
information measures), ``plans`` (schedules as laws over reveal plans),
``laws`` (exact output laws by dynamic programming), ``predictors``,
``metrics``, ``certify`` (enclosures and verdicts), ``claims``/``check``
(the registry runner), ``cli``.
"""
