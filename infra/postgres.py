"""A PostgreSQL 15 cluster in a folder of the project's, one database and one role per service.

PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user.
Unix-socket connections (the socket folder is private to the server's user) are trusted for
administration; TCP connections need the role's password (scram-sha-256).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from infra import apt
from infra.profile import SERVICES, Profile

BIN = Path(os.environ.get("THIDUA_PG_BIN", "/usr/lib/postgresql/15/bin"))
PACKAGE = "postgresql-15"

# A throwaway test cluster trades durability for speed; never in the dev/production profile.
_TEST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    if _as_root():
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, **kw)


def ensure_binaries() -> None:
    if (BIN / "initdb").exists():
        return
    apt.install(PACKAGE, why="PostgreSQL 15 server binaries are missing")


def version() -> str:
    out = subprocess.run([str(BIN / "postgres"), "--version"], capture_output=True, text=True)
    return out.stdout.strip().removeprefix("postgres (PostgreSQL) ")


def _paths(p: Profile) -> tuple[Path, Path, Path]:
    base = p.postgres_dir
    return base / "data", base / "socket", base / "server.log"


def _own(path: Path) -> None:
    if _as_root():
        shutil.chown(path, "postgres", "postgres")


def passwords(p: Profile) -> dict[str, str]:
    return json.loads((p.state / "postgres-roles.json").read_text())


def dsn(p: Profile, service: str, database: str | None = None) -> str:
    """The service's role on its own database, or on `database` (one it owns, e.g. a replay's)."""
    return (
        f"postgresql://{service}:{passwords(p)[service]}@127.0.0.1:{p.postgres_port}/"
        f"{database or service}"
    )


def running(p: Profile) -> bool:
    data, _, _ = _paths(p)
    if not (data / "PG_VERSION").exists():
        return False
    return (
        subprocess.run(
            [str(BIN / "pg_ctl"), "-D", str(data), "status"],
            capture_output=True,
            user="postgres" if _as_root() else None,
        ).returncode
        == 0
    )


def start(p: Profile) -> bool:
    """Create the cluster if needed, start it unless running, ensure the service databases."""
    ensure_binaries()
    data, socket_dir, log = _paths(p)
    started = False
    if not (data / "PG_VERSION").exists():
        _init(p, data)
    if not running(p):
        socket_dir.mkdir(parents=True, exist_ok=True)
        _own(socket_dir)
        os.chmod(socket_dir, 0o700)
        options = [
            f"-p {p.postgres_port}",
            f"-k {socket_dir}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
            # the outbox takes one advisory lock per aggregate a transaction publishes to
            "-c max_locks_per_transaction=256",
            *(f"-c {s}" for s in _TEST_SETTINGS if p.is_test),
        ]
        _run(
            [
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                " ".join(options),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )
        started = True
    _ensure_databases(p)
    return started


def _init(p: Profile, data: Path) -> None:
    data.parent.mkdir(parents=True, exist_ok=True)
    for d in [data.parent, *[q for q in data.parent.parents if str(q).startswith("/tmp/thidua-")]]:
        _own(d)
    _run(
        [
            str(BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ],
        stdout=subprocess.DEVNULL,
    )


def psql(p: Profile, sql: str, db: str = "postgres") -> str:
    _, socket_dir, _ = _paths(p)
    out = _run(
        [
            str(BIN / "psql") if (BIN / "psql").exists() else "psql",
            "-h",
            str(socket_dir),
            "-p",
            str(p.postgres_port),
            "-U",
            "postgres",
            "-d",
            db,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _ensure_databases(p: Profile) -> None:
    roles_file = p.state / "postgres-roles.json"
    known = json.loads(roles_file.read_text()) if roles_file.exists() else {}
    for service in SERVICES:
        password = known.get(service) or secrets.token_urlsafe(18)
        known[service] = password
        exists = psql(p, f"SELECT 1 FROM pg_roles WHERE rolname = '{service}'")
        verb = "ALTER" if exists else "CREATE"
        psql(p, f"{verb} ROLE {service} LOGIN PASSWORD '{password}'")
        ensure_database(p, service, owner=service)
    p.state.mkdir(parents=True, exist_ok=True)
    roles_file.write_text(json.dumps(known, indent=2))
    os.chmod(roles_file, 0o600)


def ensure_database(p: Profile, name: str, *, owner: str) -> None:
    """A database `owner`'s role alone can connect to (created if missing)."""
    if not psql(p, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        psql(p, f"CREATE DATABASE {name} OWNER {owner}")
    psql(p, f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
    psql(p, f"GRANT CONNECT, TEMPORARY ON DATABASE {name} TO {owner}")
    psql(p, "REVOKE ALL ON SCHEMA public FROM PUBLIC", db=name)
    psql(p, f"ALTER SCHEMA public OWNER TO {owner}", db=name)


def drop_database(p: Profile, name: str) -> None:
    """Drop a database, closing its connections first."""
    psql(p, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def stop(p: Profile) -> bool:
    if not running(p):
        return False
    data, _, _ = _paths(p)
    _run(
        [str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        stdout=subprocess.DEVNULL,
    )
    return True


def remove(p: Profile) -> None:
    stop(p)
    shutil.rmtree(p.postgres_dir, ignore_errors=True)
    (p.state / "postgres-roles.json").unlink(missing_ok=True)


def wait_ready(p: Profile, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running(p):
            return
        time.sleep(0.2)
    raise SystemExit("PostgreSQL did not start")
