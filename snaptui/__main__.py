"""``python -m snaptui`` runs the command line."""

from snaptui.cli.main import leave, main

leave(main())
