"""The benchmark's throwaway databases: created here, copied per measurement, always dropped.

PostgreSQL (``DATABASE_URL=postgres://…``): ``bench_triggers_<pid>`` and its copies
``bench_triggers_<pid>_<label>``, made with ``CREATE DATABASE … TEMPLATE`` (a file copy, seconds
even for a million contacts). SQLite: files in a temporary directory. The database named by
``DATABASE_URL`` is only used to connect and create; nothing is ever written to it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class Databases:
    def __init__(self, server_url: str | None) -> None:
        self.postgres = bool(server_url) and server_url.startswith(("postgres://", "postgresql://"))
        self.server_url = server_url or ""
        self.prefix = f"bench_triggers_{os.getpid()}"
        self.made: list[str] = []
        self.directory = None if self.postgres else Path(tempfile.mkdtemp(prefix=self.prefix + "_"))

    # -- names and URLs -----------------------------------------------------------------------

    def name(self, label: str) -> str:
        return f"{self.prefix}_{label}" if label else self.prefix

    def url(self, name: str) -> str:
        if self.postgres:
            server, _slash, _db = self.server_url.rpartition("/")
            return f"{server}/{name}"
        return f"sqlite:///{self.directory / (name + '.sqlite3')}"

    # -- create, copy, drop ---------------------------------------------------------------------

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, name: str) -> str:
        if self.postgres:
            self._execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return self.url(name)

    def copy(self, source: str, name: str) -> str:
        """A fresh copy of ``source`` (nobody may be connected to it meanwhile)."""
        self.drop(name)
        if self.postgres:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                path = self.directory / f"{source}.sqlite3{suffix}"
                if path.exists():
                    shutil.copyfile(path, self.directory / f"{name}.sqlite3{suffix}")
        self.made.append(name)
        return self.url(name)

    def copy_external(self, source: str, name: str) -> str:
        """A copy of a database the benchmark did not make (a PostgreSQL name, an SQLite path)."""
        if self.postgres:
            return self.copy(source, name)
        shutil.copyfile(source, self.directory / f"{name}.sqlite3")
        self.made.append(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        if self.postgres:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif self.directory is not None:
            for path in self.directory.glob(f"{name}.sqlite3*"):
                path.unlink()
        if name in self.made:
            self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(reversed(self.made)):
            try:
                self.drop(name)
            except Exception as exc:  # report and go on: the others must still go
                print(f"could not drop {name}: {exc}")
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def describe(self) -> str:
        if not self.postgres:
            return "SQLite"
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version}"
