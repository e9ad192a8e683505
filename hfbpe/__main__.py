"""`python -m hfbpe`: the hfbpe command."""

import sys

from .cli import main

sys.exit(main())
