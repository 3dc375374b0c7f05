"""``python -m verify.cli``: the command line (``verify.cli.main``)."""
import sys

from .main import main

sys.exit(main())
