"""``python -m skser``: the ``skser`` command."""

import sys

from .cli import main

sys.exit(main())
