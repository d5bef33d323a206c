"""Every shared library (the bottom layer of the import-linter contract) is type-checked strictly:
a library added to the layer must be added to mypy's strict overrides too (pyproject.toml)."""

from pathlib import Path
import tomllib

import pytest

import hikkoshi

PYPROJECT = Path(hikkoshi.__file__).resolve().parents[2] / "pyproject.toml"


@pytest.mark.skipif(not PYPROJECT.exists(), reason="run from a checkout")
def test_every_shared_library_is_checked_strictly():
    config = tomllib.loads(PYPROJECT.read_text())
    [layers] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    libraries = [f"hikkoshi.{name.strip()}" for name in layers["layers"][-1].split(":")]
    strict = {
        module
        for override in config["tool"]["mypy"]["overrides"]
        if override.get("disallow_untyped_defs")
        for module in override["module"]
    }

    def covered(module: str) -> bool:
        return module in strict or f"{module}.*" in strict

    assert len(libraries) > 10
    assert [m for m in libraries if not covered(m)] == []
