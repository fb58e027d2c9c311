"""A real OpenID Connect provider for the tests, on a free loopback port.

It is the PyPI package ``oidc-provider-mock`` (tests/oidc/requirements.txt,
which ``make test``, and so ``.ci/run``, installs): an Authlib-based provider with
discovery, a JWKS, signed RS256 ID tokens, a login form and an end-session
endpoint. It runs as its own process (``python -m oidc_provider_mock``), as a
real provider would, with its output in a log file of its own.

The test chooses each user's claims (``email``, ``name``, ``groups`` …); the
provider puts them in the ID token it signs. A browser signs in by typing the
user's subject into the provider's form and pressing Authorize.

Nothing here imports the package, so a machine without it gets a skip with
:func:`skip_reason` rather than a collection error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "oidc_provider_mock"
START_TIMEOUT = 30  # seconds until the discovery document answers


@dataclass(frozen=True)
class Provider:
    """A running provider: where it answers and where its output goes."""

    base_url: str
    log_path: Path

    @property
    def metadata_url(self) -> str:
        """The discovery document (``server_metadata_url`` in ``[auth]``)."""
        return f"{self.base_url}/.well-known/openid-configuration"

    def metadata(self) -> dict:
        with urllib.request.urlopen(self.metadata_url, timeout=5) as response:
            return json.load(response)

    def add_user(self, subject: str, claims: Mapping[str, object]) -> None:
        """Let ``subject`` sign in; the provider signs ``claims`` into their ID token.

        ``groups`` and other claims outside the standard scopes always go in;
        ``name`` needs the ``profile`` scope and ``email`` the ``email`` scope,
        both of which Streamlit asks for.
        """
        request = urllib.request.Request(
            f"{self.base_url}/users/{urllib.parse.quote(subject, safe='')}",
            data=json.dumps(dict(claims)).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 204:
                raise RuntimeError(f"the provider refused user {subject!r}: {response.status}")


def skip_reason() -> str | None:
    """Why the provider cannot run here, or None when it can."""
    if importlib.util.find_spec(PACKAGE) is None:
        return (
            "the OpenID Connect test provider is not installed "
            "(make test installs it: pip install -r tests/oidc/requirements.txt)"
        )
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_provider(
    workdir: Path, users: Mapping[str, Mapping[str, object]] | None = None
) -> Iterator[Provider]:
    """Run the provider on a free loopback port knowing ``users`` (subject → claims); yield it.

    More users can be added while it runs (:meth:`Provider.add_user`).

    Output goes to ``workdir/oidc-provider.log``. Raises RuntimeError with
    that log when the provider exits or does not answer in time.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "oidc-provider.log"
    command = [sys.executable, "-m", PACKAGE, "--host", "127.0.0.1", "--port", str(port)]
    for subject, claims in (users or {}).items():
        command += ["--user-claims", json.dumps({**claims, "sub": subject})]
    provider = Provider(base_url=base_url, log_path=log_path)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        _wait_until_answering(provider, process)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_answering(provider: Provider, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            provider.metadata()
            return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"the OpenID Connect test provider did not answer {provider.metadata_url}:\n"
                + provider.log_path.read_text(errors="replace")
            )
        time.sleep(0.2)
