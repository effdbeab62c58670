"""A throwaway PostgreSQL server for the store's tests: the machine's own initdb/pg_ctl (Debian's
`postgresql` package, which scripts/test installs), a data directory in a temporary folder, a free loopback
port, trust authentication on loopback only, and fsync off (the server's durability is not under test; the
service's commit-before-answer is). PostgreSQL refuses to run as root: as root the server runs as the
`postgres` system user the package creates."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.local_server import free_port


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("no PostgreSQL server programs (pg_ctl): run scripts/test, which installs them")
    return Path(candidates[-1]).parent


@dataclass
class PostgresServer:
    directory: Path
    port: int
    bin_dir: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.directory / "data"
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=off"
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.directory / "log"),
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def start_postgres() -> PostgresServer:
    directory = Path(tempfile.mkdtemp(prefix="cds-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(directory, free_port(), _bin_dir(), as_user)
    server.start()
    return server


def closed_port() -> int:
    """A loopback port nothing listens on: a database that is down (connections refused at once)."""
    return free_port()
