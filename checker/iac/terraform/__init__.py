"""Terraform (HCL) configurations: `read_terraform(paths, setting)` -> `IacModel`."""

from __future__ import annotations

from pathlib import Path

from checker.core.errors import InputError, Where
from checker.iac.model import IacModel
from checker.iac.terraform import aws, azure, gcp
from checker.iac.terraform.config import Setting, load_configuration

__all__ = ["Setting", "read_terraform"]


def read_terraform(paths: list[str | Path], setting: Setting | None = None) -> IacModel:
    """Read `.tf` files or folders (root module only) into roles, policies and identity providers."""
    config = load_configuration(list(paths), setting or Setting())
    for cloud in (aws, azure, gcp):
        cloud.register(config)
    model = IacModel()
    try:
        for cloud in (aws, azure, gcp):
            cloud.read(config, model)
    except RecursionError:
        # Expressions are evaluated recursively; a value nested hundreds of levels deep is not a policy.
        raise InputError("an expression is nested too deeply to be a policy", Where(str(paths[0]))) from None
    return model
