"""The bundled scenario files and their JSON schema, shipped as package data.

Code finds them through this package (`folder()`), never by a path relative to a source
file, so they are found the same way in a checkout, an editable install and an installed
wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def folder() -> Path:
    """The folder holding the bundled scenario files.

    pip installs a wheel's packages as plain folders, so the package's resources are real
    files with a path (they are read as files: a scenario's network file is found beside
    it).
    """
    return Path(str(files(__name__)))
