"""``python -m vsm_core``: the command-line interface (see :mod:`vsm_core.cli`)."""

import gc
import sys

# Start-up only creates objects that live as long as the process (modules, classes,
# the parser): collect nothing while loading them, then freeze them out of every later
# collection's way (see vsm_core.cli.common.loading_modules).
gc.disable()
from vsm_core.cli import common, main  # noqa: E402

common.FREEZE_START_UP = True
gc.freeze()
gc.enable()
sys.exit(main())
