"""A real Synapse on loopback for the Matrix tests (the recipe is in DESIGN.md, Testing).

One homeserver per test session: a private folder (on /dev/shm when present), a config
written here rather than generated, every rate limit raised, and users registered through
the shared-secret admin API, which is itself not rate limited.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_NAME = "localhost"
SHARED_SECRET = "logoff-test-shared-secret"

_RELAXED = {"per_second": 10000, "burst_count": 100000}
_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_registration_token_validity": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_admin_redaction": _RELAXED,
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_3pid_validation": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_third_party_invite": _RELAXED,
    "rc_media_create": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_room_creation": _RELAXED,
    "rc_reports": _RELAXED,
    "rc_user_directory": _RELAXED,
    "rc_profile": _RELAXED,
    "rc_key_requests": _RELAXED,
}

_LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: '%(asctime)s %(levelname)s %(name)s: %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {path}
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


@dataclass(frozen=True, slots=True)
class Account:
    user_id: str
    access_token: str
    device_id: str
    password: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG = 1: a killed test run must not leave a homeserver behind.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


class Synapse:
    def __init__(self) -> None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        self.dir = Path(tempfile.mkdtemp(prefix="logoff-synapse-", dir=base))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._n = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- lifecycle ---------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        self._write_keys()
        for attempt in range(2):
            self.port = _free_port()
            self._write_config()
            try:
                self._spawn(timeout)
                return
            except RuntimeError:
                # The port can be taken between probing it and Synapse binding it: retry once.
                if attempt == 1 or "Address already in use" not in self.log_tail():
                    raise

    def _spawn(self, timeout: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.dir / "homeserver.yaml")],
            cwd=self.dir, stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "wb"),  # noqa: SIM115
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"synapse exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, n: int = 40) -> str:
        out = []
        for name in ("stderr.log", "homeserver.log"):
            p = self.dir / name
            if p.exists():
                out.extend(p.read_text(errors="replace").splitlines()[-n:])
        return "\n".join(out)

    def _write_keys(self) -> None:
        from signedjson.key import generate_signing_key, write_signing_keys

        with open(self.dir / "signing.key", "w") as f:
            write_signing_keys(f, [generate_signing_key("a_test")])

    def _write_config(self) -> None:
        config: dict[str, Any] = {
            "server_name": SERVER_NAME,
            "public_baseurl": f"{self.url}/",
            "pid_file": str(self.dir / "homeserver.pid"),
            "listeners": [{
                "port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                "tls": False, "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }],
            "database": {"name": "sqlite3", "args": {"database": str(self.dir / "homeserver.db")}},
            "log_config": str(self.dir / "log.yaml"),
            "media_store_path": str(self.dir / "media"),
            "signing_key_path": str(self.dir / "signing.key"),
            "report_stats": False,
            "registration_shared_secret": SHARED_SECRET,
            "enable_registration": False,
            "macaroon_secret_key": "logoff-test-macaroon",
            "form_secret": "logoff-test-form",
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,
            "background_updates": {"sleep_enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            # Synapse replays a cached /sync answer for two minutes to a repeated request; a
            # restarted bot would then re-walk the old sync chain and hide what reconcile does.
            "caches": {"sync_response_cache_duration": 0},
            **_RATE_LIMITS,
        }
        (self.dir / "log.yaml").write_text(_LOG_CONFIG.format(path=self.dir / "homeserver.log"))
        # JSON is valid YAML, and needs no YAML writer here.
        (self.dir / "homeserver.yaml").write_text(json.dumps(config, indent=1))

    # --- admin API -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None

    def register(self, localpart: str | None = None, *, admin: bool = False,
                 password: str | None = None) -> Account:
        """A new account via the shared-secret admin API (HMAC-SHA1 over
        nonce\\0user\\0password\\0admin|notadmin)."""
        self._n += 1
        localpart = localpart or f"user{self._n}"
        password = password or f"pw-{localpart}-{self._n}"
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        r = self.request("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin,
            "mac": mac.hexdigest()})
        return Account(r["user_id"], r["access_token"], r["device_id"], password)
