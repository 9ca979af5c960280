"""`python -m cli` runs the `cogov` command line."""

from cli.main import program

program()
