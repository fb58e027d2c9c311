"""``python -m vsm_core``: the command-line interface (see :mod:`vsm_core.cli`)."""

import sys

from vsm_core.gcpause import collection_paused

# Start-up only creates objects that live as long as the process (modules, classes,
# the parser): collect nothing while loading them, then freeze them out of every later
# collection's way (see vsm_core.cli.common.loading_modules).
with collection_paused(freeze=True):
    from vsm_core.cli import common, main

    common.FREEZE_START_UP = True
sys.exit(main())
