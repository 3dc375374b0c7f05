"""Exact decisions: LogLinear forms and their zero test (``logforms``, ``coprime``), enclosures and
verdicts (``verdicts``)."""
