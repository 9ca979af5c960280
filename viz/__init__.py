"""The browser view's modules (served by `app.py`; started with `cogov app`).

- `i18n`: the one translation table of the page's own words, and labels for parameters
  and outcomes taken from their declarations (`label_zh`, `meaning_zh`, `OUTCOMES`);
- `controls`: the lever sliders, derived from `simulation.scenario.iter_parameters()`;
- `lab`: the session's state (policy mixes, seed, models, errors) without any UI, so it
  can be tested headless;
- `network`, `charts`: what is drawn, as data (tested) and as PNG figures (matplotlib);
- `page`: the Solara components.

Nothing in `simulation/` imports from here.
"""
