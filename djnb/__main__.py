"""``python -m djnb`` runs the command line."""

import sys

from .command import main

sys.exit(main())
