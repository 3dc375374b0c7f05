"""``python -m verify.cli``: the command line (``verify.cli.main``)."""
import signal
import sys

from .main import main

code = main()
# The run is over and its outputs are written: a Ctrl-C arriving during interpreter shutdown must
# not print a traceback ("Exception ignored in threading._shutdown").
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(code)
