"""Find a cloud's engine (the `ENGINE` object of checker.aws / checker.azure / checker.gcp) lazily."""

from __future__ import annotations

import importlib

from checker.core.engine import Engine
from checker.core.errors import InputError

_cache: dict[str, Engine] = {}


def engine_for(cloud: str) -> Engine:
    if cloud in _cache:
        return _cache[cloud]
    try:
        module = importlib.import_module(f"checker.{cloud}")
    except ImportError as exc:
        raise InputError(f"the {cloud} engine could not be loaded: {exc}") from None
    engine: Engine | None = getattr(module, "ENGINE", None)
    if engine is None:
        raise InputError(
            f"the {cloud} engine is not available in this version of the checker yet",
            hint="pick another cloud with --cloud",
        )
    _cache[cloud] = engine
    return engine
