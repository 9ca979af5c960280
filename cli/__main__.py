"""`python -m cli` runs the `cogov` command line."""

import sys

from cli.main import main

sys.exit(main())
