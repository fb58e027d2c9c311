"""``python -m vsm_core``: the command-line interface (see :mod:`vsm_core.cli`)."""

import sys

from vsm_core.cli import main

sys.exit(main())
