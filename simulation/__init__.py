"""cogov: an agent-based simulation of multi-actor co-governance (共建共治共享).

The model core is headless: nothing here imports a user interface, plotting or the
experiment layer.
"""

from simulation.model import CoGovernanceModel
from simulation.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = ["CoGovernanceModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]
