"""Run a command against a throw-away PostgreSQL cluster.

    python -m tests.pgcluster -- .venv/bin/python -m pytest -x

The script creates a temporary directory, runs initdb in it (as the `postgres` OS user when run by
root, since the server refuses to run as root; as the current user otherwise), starts the server on a
free loopback port with durability switched off (fsync, synchronous_commit, full_page_writes: the
data is thrown away anyway), creates the database `club_test` with trust authentication, and runs
the command with

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/club_test

in its environment. Whatever happens (failure, Ctrl-C, SIGTERM), the server is stopped and the
directory removed afterwards. The exit status is the command's.

The binaries are looked for in $PG_BINDIR, /usr/lib/postgresql/15/bin, `pg_config --bindir`, the
other /usr/lib/postgresql/*/bin, then PATH.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATABASE = "club_test"
SUPERUSER = "postgres"
PREFERRED_BINDIR = "/usr/lib/postgresql/15/bin"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",  # constraint violations are expected in tests: keep the log short
}


class ClusterError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"pgcluster: {message}", file=sys.stderr, flush=True)


def _has_server(directory: str | os.PathLike | None) -> bool:
    if not directory:
        return False
    path = Path(directory)
    return all((path / name).is_file() and os.access(path / name, os.X_OK) for name in ("postgres", "initdb", "pg_ctl"))


def find_bindir(explicit: str | None = None) -> Path:
    candidates: list[str | None] = [explicit, os.environ.get("PG_BINDIR"), PREFERRED_BINDIR]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            candidates.append(
                subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            )
        except (OSError, subprocess.CalledProcessError):
            pass
    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for candidate in candidates:
        if _has_server(candidate):
            return Path(candidate)
    raise ClusterError(
        "no PostgreSQL server binaries found (postgres, initdb, pg_ctl); install the postgresql-15 package "
        "or set PG_BINDIR, or set TEST_DATABASE_URL to use an existing database"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _utf8_locale() -> str:
    """C.UTF-8 when the system has it (upper/lower and ILIKE then work on accented letters), else C."""
    try:
        available = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.split()
    except OSError:
        return "C"
    for name in ("C.UTF-8", "C.utf8"):
        if name in available:
            return name
    return "C"


class Cluster:
    def __init__(self, bindir: Path, port: int | None = None) -> None:
        self.bindir = bindir
        self.requested_port = port
        self.port: int | None = None
        self.root: Path | None = None
        self.started = False
        self.as_postgres_user = os.geteuid() == 0

    # -- paths and commands ----------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def _server_command(self, *args: str) -> list[str]:
        # The server refuses to run as root: root runs it as the `postgres` OS user.
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres_user:
            return ["runuser", "-u", SUPERUSER, "--", *command]
        return command

    def _run(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False, **kwargs)
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    # -- life cycle --------------------------------------------------------------------------------

    def create(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="club-pg-"))
        self.socket_dir.mkdir()
        if self.as_postgres_user:
            import pwd

            try:
                account = pwd.getpwnam(SUPERUSER)
            except KeyError as error:
                raise ClusterError(
                    f"running as root, but there is no {SUPERUSER!r} OS user to run the server as "
                    "(install postgresql-15, or run as an ordinary user)"
                ) from error
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            self._server_command(
                "initdb",
                "--pgdata",
                str(self.data_dir),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                _utf8_locale(),
                "--no-sync",
                "--no-instructions",
            )
        )

    def start(self) -> None:
        attempts = 1 if self.requested_port else 5
        for attempt in range(1, attempts + 1):
            self.port = self.requested_port or free_port()
            options = [f"-p {self.port}", f"-k {self.socket_dir}"]
            options += [f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()]
            command = self._server_command(
                "pg_ctl",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.logfile),
                "--wait",
                "--timeout",
                "60",
                "-o",
                " ".join(options),
                "start",
            )
            result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
            if result.returncode == 0:
                self.started = True
                return
            # Another process may have taken the port between free_port() and the start: try another one.
            log(f"the server did not start on port {self.port} (attempt {attempt}/{attempts})")
        raise ClusterError(f"the PostgreSQL server did not start:\n{self.server_log()}")

    def create_database(self) -> None:
        self._run(
            [
                str(self.bindir / "createdb"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--username",
                SUPERUSER,
                "--encoding",
                "UTF8",
                "--template",
                "template0",
                DATABASE,
            ]
        )

    def server_log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no server log)"

    def version(self) -> str:
        result = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    def stop(self) -> None:
        if self.started:
            # "immediate": the data is thrown away, no need for a clean checkpoint.
            command = self._server_command(
                "pg_ctl", "--pgdata", str(self.data_dir), "--mode", "immediate", "--wait", "--timeout", "30", "stop"
            )
            result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                log(f"pg_ctl stop failed: {result.stderr.strip()}")
                self._kill_postmaster()
            self.started = False

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass

    def remove(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


def run_command(command: list[str], env: dict[str, str]) -> int:
    """Run the command in the foreground; SIGTERM is passed on to it, Ctrl-C reaches it directly."""
    child = subprocess.Popen(command, env=env)

    def forward(signum, frame):
        child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                returncode = child.wait()
                break
            except KeyboardInterrupt:
                # The terminal sent SIGINT to the child as well; give it a moment to finish its report.
                try:
                    returncode = child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    returncode = child.wait()
                break
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 128 - returncode if returncode < 0 else returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.pgcluster",
        description="Run a command with TEST_DATABASE_URL pointing at a throw-away PostgreSQL cluster.",
    )
    parser.add_argument("--bindir", help="directory of the PostgreSQL binaries (default: searched)")
    parser.add_argument("--port", type=int, help="TCP port on 127.0.0.1 (default: a free one)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --, e.g. -- python -m pytest")

    # SIGTERM (CI cancelling the job) turns into an exception, so the cleanup below still runs.
    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    cluster = None
    try:
        cluster = Cluster(find_bindir(args.bindir), args.port)
        started = time.monotonic()
        cluster.create()
        cluster.start()
        cluster.create_database()
        log(f"{cluster.version()} ready in {time.monotonic() - started:.1f}s: {cluster.url}")
        env = {**os.environ, "TEST_DATABASE_URL": cluster.url}
        return run_command(command, env)
    except ClusterError as error:
        log(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if cluster is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
            try:
                cluster.stop()
            finally:
                cluster.remove()
                signal.signal(signal.SIGINT, signal.default_int_handler)
            log("server stopped, directory removed")


if __name__ == "__main__":
    sys.exit(main())
