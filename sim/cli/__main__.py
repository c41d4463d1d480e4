"""``python -m sim.cli``: the command line as a plain process (no fork, no early exit; for profilers)."""

import sys

from sim.cli import main

sys.exit(main())
