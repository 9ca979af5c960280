"""The interactive browser view of the co-governance model (共建共治共享).

Start it with `cogov app` (or `python -m solara run app.py`): a trainer picks a policy
mix, presses play and talks over what happens, in English or Chinese, and can compare two
mixes side by side with the same seed. The page's parts live in the `viz` package (see
`viz/page.py` for why the page is built from Solara components around the Mesa model
rather than on `mesa.visualization.SolaraViz`). Works offline: `experiments.appserver`
serves every page asset locally from solara-assets.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent)
if _ROOT not in sys.path:  # `viz` sits beside this file and is not an installed package
    sys.path.insert(0, _ROOT)

from viz.page import Layout, Page  # noqa: E402

__all__ = ["Layout", "Page"]
