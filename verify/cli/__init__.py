"""The command line (``main``, ``commands``, ``search_cli``) and the report (``report``).
``python -m verify.cli`` runs ``main``."""
