"""Theil decompositions of welfare and income (simulation/metrics.py), recomputed by
hand from the residents' columns."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from simulation.model import CoGovernanceModel


def theil_by_hand(x: np.ndarray, urban: np.ndarray) -> tuple[float, float, float]:
    mu = x.mean()
    pos = x > 0
    total = float(np.sum(x[pos] / mu * np.log(x[pos] / mu)) / len(x))
    between = 0.0
    for g in (urban, ~urban):
        share = x[g].sum() / x.sum()
        between += share * np.log(x[g].mean() / mu)
    return total, float(between), total - float(between)


def test_theil_parts_of_welfare_and_income_recounted_by_hand() -> None:
    model = CoGovernanceModel(small_scenario(), rng=9)
    for _ in range(13):  # to a means-test review, where income measures are taken
        model.step()
    res, week = model.residents, model.record[13]
    # Income measures are of disposable income: income plus the 低保 paid (in full here).
    assert model.dibao_paid_share == 1.0
    disposable = res.income + res.dibao
    for prefix, x in (("welfare_theil", res.welfare), ("income_theil", disposable)):
        total, between, within = theil_by_hand(np.asarray(x, float), res.urban)
        assert week[prefix] == pytest.approx(total, rel=1e-9)
        assert week[prefix + "_between"] == pytest.approx(between, rel=1e-9)
        assert week[prefix + "_within"] == pytest.approx(within, rel=1e-9)
    assert week["welfare_theil_within"] > week["welfare_theil_between"] > 0
