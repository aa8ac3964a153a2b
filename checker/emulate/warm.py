"""Fill this process's caches for a live run before the run is known: imports, models and clients.

A cold `iamlab check` forks its live-check worker before the learner's files are read
(checker/grading/early.py); the worker spends that time here. Everything done here is data that never
changes between runs and that the run would load anyway: the emulator's modules, botocore's service
models (the clients' shared loader, and the published copy the enforcer maps calls with), moto's own
copies of them and its request routers, and the administrator's clients, which a process keeps for
every run (checker/emulate/backends.py). The run itself is unchanged: it finds them ready.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from checker.emulate.backends import admin_client_of, client_session, quick_moto_loaders
from checker.emulate.mapping.botomodel import client_loader, service_model


def warm(
    backend: str, region: str, admin: Iterable[str], services: Iterable[str], seeded: Iterable[str] = ()
) -> None:
    """Ready a run on `backend` in `region` that seeds through the administrator's clients of `admin` (and
    on moto in this process, in moto's backends of `seeded` directly) and whose steps call `services`.
    Only what such a run loads anyway is loaded: moto's side of a step's service is left alone (the
    enforcer may deny every call to it, and moto never sees them). On another backend than moto in this
    process, only imports and models (its clients name its address)."""
    in_process = backend == "moto"
    if in_process:
        from moto import mock_aws  # noqa: F401 - botocore's request stubber and moto's core, imported once

        quick_moto_loaders()
    client_session()
    if in_process:
        clients = admin_client_of(None, region)
        for name in admin:
            clients(name)
            with contextlib.suppress(Exception):
                _warm_moto(name)
        for name in seeded:
            with contextlib.suppress(Exception):
                _moto_backend(name)
    loader = client_loader()
    for name in services:
        # Each part on its own: a service a workload names wrongly is reported by the run, not here.
        with contextlib.suppress(Exception):
            loader.load_service_model(name, "service-2", api_version=None)
            loader.load_service_model(name, "endpoint-rule-set-1", api_version=None)
        with contextlib.suppress(Exception):
            service_model(name)  # the published model the enforcer maps each call with


def _warm_moto(service: str) -> None:
    """moto's module for the service, its copy of the model and its request router (each cached by moto)."""
    from moto.core.routing import get_service_router

    _moto_backend(service)
    get_service_router(service)


def _moto_backend(service: str) -> None:
    """moto's module for the service (imported once)."""
    from moto.backends import get_backend

    get_backend(service)  # type: ignore[call-overload]
