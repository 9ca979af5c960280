"""The `cogov` command line: one module per group of commands.

`cli.main` holds the parser and the entry point; `run`, `compare`, `scenario` (validate,
params, schema), `sweep` (sweep, analyze), `targets` (targets, calibrate), `app` (the
browser view's server) and `docs` (the parameter table of docs/ODD.md) hold the
commands. The command line is the top layer: it imports the experiment library, the
model core and the browser view; none of them imports it.
"""
