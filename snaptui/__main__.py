"""``python -m snaptui`` runs the command line."""

import sys

from snaptui.cli.main import main

sys.exit(main())
