"""Scenarios: the parameter declarations, the YAML reader and the validation messages.

Importing this package makes the calibrated values (simulation/scenario/calibrated.yaml)
the defaults of their parameters (see `simulation.scenario.calibration`).
"""

from simulation.scenario.calibration import read_calibration, use_calibration
from simulation.scenario.errors import Problem, ScenarioError
from simulation.scenario.files import BUNDLED_DIR, bundled_names
from simulation.scenario.loader import (
    changed_values,
    load_scenario,
    load_scenario_file,
    resolve_name,
    scenario_dir,
    validate_files,
    with_values,
)
from simulation.scenario.schema import (
    LEVER_PATHS,
    ParameterSpec,
    Scenario,
    iter_parameters,
    parameter_spec,
)

use_calibration(read_calibration())

__all__ = [
    "BUNDLED_DIR",
    "LEVER_PATHS",
    "ParameterSpec",
    "Problem",
    "Scenario",
    "ScenarioError",
    "bundled_names",
    "changed_values",
    "iter_parameters",
    "load_scenario",
    "load_scenario_file",
    "parameter_spec",
    "resolve_name",
    "scenario_dir",
    "validate_files",
    "with_values",
]
