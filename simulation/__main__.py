"""`python -m simulation` says how to run the command line.

The model core imports nothing from the layers above it, so it does not start the
command line itself: that is the `cogov` command (or `python -m cli`).
"""

import sys

print("The cogov command line is `cogov` (or `python -m cli`); try `cogov --help`.",
      file=sys.stderr)
sys.exit(2)
