"""``python -m skiplino_async`` is the ``skiplino`` command."""

import sys

from .cli import main

sys.exit(main())
