"""The experiment library: running, comparing, sweeping, analysing and calibrating the model.

A library, not a program: the `cogov` command line (`cli/`) calls it and holds every
argument and message for the terminal. This layer imports the model core (`simulation`);
the core never imports it. The bundled experiment files (`*.yaml`) and the targets
(`data/targets.yaml`) are package data, read through `importlib.resources`.
"""
