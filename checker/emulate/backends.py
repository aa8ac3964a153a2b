"""The emulators behind a live lab: moto in this process (the default), moto server, LocalStack.

Each backend gives administrator clients (the account root, `test`/`test`) for reading IAM state,
the account id it simulates, and a credential store that knows its keys.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

from checker.core.errors import InputError
from checker.emulate.authorize import Authorizer
from checker.emulate.mapping.botomodel import PlainJSONFiles, ServiceNames, client_loader
from checker.emulate.state.credentials import CredentialStore, KeySource, MotoKeySource
from checker.emulate.state.reader import BackendState

ROOT_KEY = "test"
ROOT_SECRET = "test"
LOCALSTACK_URL = "http://127.0.0.1:4566"

_ADMIN_CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)

_CLIENTS_LOCK = threading.Lock()  # botocore sessions are not safe for concurrent client creation
_SESSIONS: dict[bool, Any] = {}
_ADMIN_CLIENTS: dict[tuple[bool, str | None, str, str], Any] = {}


def client_session() -> Any:
    """The boto3 session every client of the emulator is made from (no credentials of its own).

    It shares the process's botocore loader, so each service model is parsed once however many
    clients, backends and learners follow. botocore gives moto's request stubber only to sessions
    created after moto is imported, so a new session is made once moto is loaded.
    """
    with_moto = "moto.core.models" in sys.modules
    with _CLIENTS_LOCK:
        session = _SESSIONS.get(with_moto)
        if session is None:
            core = botocore.session.get_session()
            core.register_component("data_loader", client_loader())
            session = _SESSIONS[with_moto] = boto3.Session(botocore_session=core)
        return session


def _new_client(service: str, **kwargs: Any) -> Any:
    session = client_session()
    with _CLIENTS_LOCK:
        return session.client(service, **kwargs)


@dataclass
class Backend:
    name: str
    endpoint_url: str | None  # None: moto patched into this process
    region: str
    account: str
    state: BackendState
    credentials: CredentialStore
    authorizer: Authorizer
    _close: Callable[[], None] = field(default=lambda: None)
    # Whether the backend runs a service at all (botocore's name): free LocalStack has no SageMaker.
    offers: Callable[[str], bool] = field(default=lambda service: True)
    admin_clients: Callable[[str], Any] | None = None  # the administrator's clients, when not the shared ones

    def admin_client(self, service: str) -> Any:
        return (self.admin_clients or admin_client_of(self.endpoint_url, self.region))(service)

    def client(self, service: str, access_key: str, secret_key: str, session_token: str | None = None) -> Any:
        """A plain (not enforced) client of the backend with the given credentials."""
        return _new_client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
            config=_ADMIN_CONFIG,
        )

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def admin_client_of(endpoint_url: str | None, region: str) -> Callable[[str], Any]:
    """Administrator clients, one per endpoint, region and service for the whole process.

    A client holds no state of the backend (moto's state lives in moto), so reusing it for the next
    backend on the same endpoint is safe and spares building it again (tens of ms each).
    """

    def make(service: str) -> Any:
        key = ("moto.core.models" in sys.modules, endpoint_url, region, service)
        found = _ADMIN_CLIENTS.get(key)
        if found is None:
            found = _new_client(
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id=ROOT_KEY,
                aws_secret_access_key=ROOT_SECRET,
                config=_ADMIN_CONFIG,
            )
            _ADMIN_CLIENTS.setdefault(key, found)
        return found

    return make


def _build(
    name: str,
    endpoint_url: str | None,
    region: str,
    sources: tuple[KeySource, ...],
    close: Callable[[], None],
    clients: Callable[[str], Any] | None = None,
    account: str | None = None,
    root_keys: dict[str, str] | None = None,
    offers: Callable[[str], bool] = lambda service: True,
) -> Backend:
    clients = clients or admin_client_of(endpoint_url, region)
    if account is None:  # the backend says which account it simulates
        account = str(clients("sts").get_caller_identity()["Account"])
    state = BackendState(clients, account, region)
    credentials = CredentialStore(account, root_keys, sources=sources)
    return Backend(
        name, endpoint_url, region, account, state, credentials, Authorizer(state), close, offers, clients
    )


def defer_moto_bucket_policies() -> None:
    """Stop moto's S3 from judging bucket policies itself; the enforcer in front has already judged.

    moto refuses object calls when any bucket-policy statement denies the action, ignoring the
    statement's Principal and Condition: a conditional deny ("deny unless TLS", "deny unless
    encrypted") would refuse every call the engine allowed. With the engine in front, moto only keeps
    state. This applies to moto in this process (in-process mocks and the moto server thread).
    """
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def neutral(self: Any, action: str, resource: str) -> Any:
        return PermissionResult.NEUTRAL

    setattr(FakeBucket, "get_permission", neutral)  # noqa: B010 - a method replaced on moto's class


@cache
def quick_moto_loaders() -> None:
    """Spare moto reading botocore's data the slow way (once per process); it reads the same data.

    moto makes a new loader for each service model it reads, and each listed every service folder
    (about 45 ms apiece, several per live check): its loaders now look up the one service asked for.
    To list a backend's regions moto keeps a boto3 session whose loader parses each service model
    and the endpoints file a second time: it now reads them from the clients' loader (regions come
    from the endpoints data and the models' metadata, which clients never change). Files are read into
    plain dicts (botomodel.PlainJSONFiles).
    """
    try:
        import moto.core.utils
        from moto.core.base_backend import AccountSpecificBackend
        from moto.core.loaders import Loader as MotoLoader
        from moto.core.loaders import moto_root
    except ImportError:  # another moto layout: it keeps its own (slower, equally correct) loading
        return

    class QuickMotoLoader(MotoLoader):
        FILE_LOADER_CLASS = PlainJSONFiles

        def list_available_services(self, type_name: str) -> Any:
            return ServiceNames(self, type_name, super().list_available_services)

    def create_loader() -> MotoLoader:
        return QuickMotoLoader(extra_search_paths=[moto_root])

    if hasattr(moto.core.utils, "create_loader"):
        setattr(moto.core.utils, "create_loader", create_loader)  # noqa: B010 - moto's factory replaced
    regions_session: Any = AccountSpecificBackend.get_session()  # moto's one (cached) session
    core = getattr(regions_session, "_session", None)
    if core is not None:
        core.register_component("data_loader", client_loader())


def moto_in_process(region: str = "us-east-1", account: str | None = None) -> Backend:
    """moto patched into this process (mock_aws); stopped by close().

    `account` makes moto simulate that account id (moto's MOTO_ACCOUNT_ID, set until close()).
    """
    from moto import mock_aws

    previous = os.environ.get("MOTO_ACCOUNT_ID")
    if account is not None:
        os.environ["MOTO_ACCOUNT_ID"] = account
    quick_moto_loaders()
    mock = mock_aws()
    mock.start()
    defer_moto_bucket_policies()

    def close() -> None:
        mock.stop()
        if account is not None:
            if previous is None:
                os.environ.pop("MOTO_ACCOUNT_ID", None)
            else:
                os.environ["MOTO_ACCOUNT_ID"] = previous

    try:
        # With MOTO_ACCOUNT_ID set, moto simulates exactly that account: no need to ask it.
        return _build("moto", None, region, (MotoKeySource(),), close, account=account)
    except Exception:
        close()
        raise


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def moto_server(region: str = "us-east-1", port: int | None = None) -> Backend:
    """moto's HTTP server on loopback, in a thread of this process; stopped by close().

    Keys are learned from the calls that pass through the enforcer (moto's key store is read
    directly too, since the server shares this process).
    """
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request is noise here
    from moto.server import ThreadedMotoServer

    port = port or free_loopback_port()
    quick_moto_loaders()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    defer_moto_bucket_policies()
    try:
        return _build("moto-server", f"http://127.0.0.1:{port}", region, (MotoKeySource(),), server.stop)
    except Exception:
        server.stop()
        raise


def remote(endpoint_url: str, region: str = "us-east-1", name: str = "url") -> Backend:
    """Any AWS-compatible endpoint already running (moto server, LocalStack) at `endpoint_url`."""
    return _build(name, endpoint_url.rstrip("/"), region, (), lambda: None)


def localstack(endpoint_url: str = LOCALSTACK_URL, region: str = "us-east-1", account: str | None = None) -> Backend:
    """LocalStack at `endpoint_url`, acting in `account` (default: LocalStack's own, 000000000000).

    LocalStack takes a 12-digit access key id as the account to act in ("You can specify a 12-digit
    number which will be taken by LocalStack as the account ID", LocalStack docs, Credentials), so the
    administrator's key is that number and the lab's ARNs name the account LocalStack uses.
    """
    key = account if account is not None and re.fullmatch(r"\d{12}", account) else ROOT_KEY

    @cache
    def clients(service: str) -> Any:
        return _new_client(
            service,
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=key,
            aws_secret_access_key=ROOT_SECRET,
            config=_ADMIN_CONFIG,
        )

    offered = localstack_services(endpoint_url)
    return _build(
        "localstack",
        endpoint_url.rstrip("/"),
        region,
        (),
        lambda: None,
        clients,
        root_keys={key: ROOT_SECRET},
        offers=lambda service: service in offered,  # the health endpoint lists botocore's names
    )


def localstack_services(endpoint_url: str = LOCALSTACK_URL, timeout: float = 5.0) -> frozenset[str]:
    """The services this LocalStack runs, from its health endpoint (the free edition lists no SageMaker)."""
    import urllib.request

    with urllib.request.urlopen(f"{endpoint_url.rstrip('/')}/_localstack/health", timeout=timeout) as answer:
        health = json.loads(answer.read())
    services = health.get("services") if isinstance(health, dict) else None
    return frozenset(services) if isinstance(services, dict) else frozenset()


def check_backend_name(spec: str) -> None:
    """Refuse, before any work, a backend that is neither moto, localstack nor an http(s) URL, and a
    LocalStack that is not running."""
    if spec not in ("moto", "localstack") and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", spec):
        raise InputError(
            f"unknown backend {spec!r}",
            hint="use --backend moto, --backend localstack, or the http(s):// URL of a running emulator",
        )
    if spec == "localstack" and not localstack_running():
        raise InputError(
            f"LocalStack is not running at {LOCALSTACK_URL}",
            hint="start it with `make localstack` (or `docker compose up`), or run on --backend moto",
        )


def open_backend(spec: str, region: str = "us-east-1", account: str | None = None) -> Backend:
    """The backend a learner names: "moto" (in this process), "localstack" (the one `make localstack`
    starts), or the http(s) URL of a running AWS-compatible endpoint. The backend must simulate
    `account` (the lab's ARNs name it); a bad name or an unreachable backend is an InputError."""
    if spec == "moto":
        return moto_in_process(region, account)
    check_backend_name(spec)
    url = LOCALSTACK_URL if spec == "localstack" else spec
    if spec == "localstack" or localstack_running(url):
        if not localstack_running(url):
            raise InputError(
                f"LocalStack is not running at {url}",
                hint="start it with `make localstack` (or `docker compose up`), or run on --backend moto",
            )
        return localstack(url, region, account)
    try:
        backend = remote(url, region)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is the learner's setting
        raise InputError(f"no AWS-compatible endpoint answered at {url} ({type(exc).__name__})") from None
    if account is not None and backend.account != account:
        raise InputError(
            f"the backend at {url} simulates account {backend.account}, but the lab runs in account {account}",
            hint="start it for the lab's account (moto server: MOTO_ACCOUNT_ID), or run on --backend moto",
        )
    return backend


def localstack_running(endpoint_url: str = LOCALSTACK_URL, timeout: float = 2.0) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{endpoint_url}/_localstack/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False
