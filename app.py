"""The interactive browser view of the co-governance model (共建共治共享).

Start it with `cogov app` (or `python -m solara run app.py`): a trainer picks a policy
mix, presses play and talks over what happens, in English or Chinese, and can compare two
mixes side by side with the same seed. The page's parts live in the `viz` package (see
`viz/page.py` for why the page is built from Solara components around the Mesa model
rather than on `mesa.visualization.SolaraViz`). Works offline: `cogov app` (`cli.app`)
serves every page asset locally from solara-assets. This module and `viz` are installed
with cogov, so the page imports `viz` like any other package.
"""

from __future__ import annotations

from viz.page import Layout, Page

__all__ = ["Layout", "Page"]
