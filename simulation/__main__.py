"""`python -m simulation` runs the `cogov` command line.

The command line lives in the experiment layer (`experiments.cli`) because `compare`
draws charts; it is started by name here so that the model core imports nothing from
the layers above it.
"""

import runpy

runpy.run_module("experiments.cli", run_name="__main__", alter_sys=True)
