"""``python -m snaptui`` runs the command line."""

import sys

from snaptui.cli import main

sys.exit(main())
