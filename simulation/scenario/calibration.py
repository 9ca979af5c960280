"""The calibrated values: one meaning of "default".

`simulation/scenario/calibrated.yaml` (package data) holds one line per parameter fitted
to real figures: its value and where the value comes from (the targets it was fitted to,
the seeds per candidate, the date). When the scenario package is imported, each of those
values becomes its field's default, so `Scenario()`, `CoGovernanceModel()`,
`experiments.api.run_model()` and every scenario file, with or without `extends:`, start
from the calibrated county. The value declared in `schema.py` stays the field's *prior*:
`ParameterSpec.prior` and `cogov params` show it beside the calibrated value, and
`Scenario.priors()` builds the county of the priors alone (what the calibration fits
from).

A new calibrated value needs only its line in the file; a new parameter only its
declaration in `schema.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from simulation.scenario import validation
from simulation.scenario.errors import Problem, ScenarioError, nearest_path
from simulation.scenario.paths import nested
from simulation.scenario.schema import Scenario, iter_parameters
from simulation.scenario.validation import Invalid, raise_found

CALIBRATION_FILE = Path(str(resources.files("simulation.scenario") / "calibrated.yaml"))
# Parameters with these kinds of value can be calibrated (a choice or a file cannot).
NUMERIC = ("int", "float")


class Calibrated(BaseModel):
    """One calibrated value and its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(description="The fitted value.")
    targets: tuple[str, ...] = Field(
        min_length=1, description="The targets (experiments/data/targets.yaml) it was "
        "fitted to.")
    reps: int = Field(ge=1, description="Seeds per candidate of the fit.")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="When it was fitted "
                      "(YYYY-MM-DD).")


class CalibrationFile(RootModel[dict[str, Calibrated]]):
    """A calibration file: parameter path -> its calibrated value."""

    @model_validator(mode="after")
    def _declared_numbers(self) -> CalibrationFile:
        kinds = {p.path: p.kind for p in iter_parameters()}
        found = []
        for path in self.root:
            if path not in kinds:
                found.append(Invalid(
                    f"unknown parameter {path!r}", path=path, value=path,
                    allowed="a parameter's dotted path (`cogov params` lists them)",
                    suggestion=nearest_path(path, kinds)))
            elif kinds[path] not in NUMERIC:
                found.append(Invalid(f"{path} is not a number, so it cannot be calibrated",
                                     path=path, value=path))
        raise_found(found)
        return self


def read_calibration(path: Path = CALIBRATION_FILE, shown: str | None = None
                     ) -> dict[str, Calibrated]:
    """Read and check a calibration file: its shape, that every key is a declared numeric
    parameter, and that every value fits that parameter's declared type and bounds.

    Raises:
        ScenarioError: every problem of the file, each with its line.
    """
    shown = shown or str(path)
    model, lines = validation.read_checked(CalibrationFile, path, shown)
    values = model.root
    data = nested({p: c.value for p, c in values.items()})
    try:
        Scenario.model_validate(_as_declared(data))
    except ValidationError as exc:
        origin: validation.Origin = {p: (shown, lines.get(f"{p}.value")) for p in values}
        problems = validation.problems_from_validation(exc, Scenario, origin, shown, data)
        raise ScenarioError([_at_value(p) for p in problems]) from None
    return values


def _as_declared(data: dict[str, Any]) -> dict[str, Any]:
    """Whole numbers for whole-number parameters (the file's values are read as floats)."""
    kinds = {p.path: p.kind for p in iter_parameters()}

    def walk(node: dict[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                out[key] = walk(value, path + ".")
            elif kinds.get(path) == "int" and float(value).is_integer():
                out[key] = int(value)
            else:
                out[key] = value
        return out

    return walk(data, "")


def _at_value(problem: Problem) -> Problem:
    """A problem of a calibrated value, named by the file's own path (PARAMETER.value)."""
    import dataclasses

    return dataclasses.replace(problem, path=f"{problem.path}.value")


# ------------------------------------------------------------------ the field defaults


def _models(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """Every model class under `model`, each after the models it holds, `model` last."""
    for field in model.model_fields.values():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _models(ann)
    yield model


def _holders(model: type[BaseModel], prefix: str = "") -> dict[str, tuple[type[BaseModel],
                                                                         str]]:
    """Parameter path -> (the model class declaring it, the field's name)."""
    out: dict[str, tuple[type[BaseModel], str]] = {}
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.update(_holders(ann, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = (model, name)
    return out


def use_calibration(values: Mapping[str, Calibrated]) -> None:
    """Make each calibrated value its field's default; the declared value is kept as the
    field's prior (in its schema extras, so the JSON schema shows both)."""
    holders = _holders(Scenario)
    kinds = {p.path: p.kind for p in iter_parameters()}
    for path, calibrated in values.items():
        model, name = holders[path]
        field = model.model_fields[name]
        extra = field.json_schema_extra
        assert isinstance(extra, dict)  # every parameter is declared with param()
        extra.setdefault("prior", field.default)
        value: Any = calibrated.value
        if kinds[path] == "int":
            value = int(value)
        field.default = value
        extra["calibrated"] = {"targets": list(calibrated.targets), "reps": calibrated.reps,
                               "date": calibrated.date}
    # Each model's validator holds copies of the models under it: rebuild from the leaves.
    for model in dict.fromkeys(_models(Scenario)):
        model.model_rebuild(force=True)
