"""Terraform (HCL) configurations: `read_terraform(paths, setting)` -> `IacModel`."""

from __future__ import annotations

from pathlib import Path

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
    for cloud in (aws, azure, gcp):
        cloud.read(config, model)
    return model
