"""`python -m viewer` runs the command line."""

from viewer.cli import main

raise SystemExit(main())
