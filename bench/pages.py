"""The main pages under load, against a hello-world Flask app served the same way.

    .venv/bin/python -m bench.pages --database sqlite:////tmp/large.sqlite3
    .venv/bin/python -m bench.pages --database "$URL" --connections 16 --duration 10 --pages home,case

Starts gunicorn twice (gunicorn.conf.py, 2 workers each by default, access log off) on free loopback
ports: bench/hello.py, and the club on the given database (made with `flask --app app demo --scale
large`, see bench/README.md). Loads each page in turn with wrk (Debian package `wrk`), each time
right after a hello-world run of the same length, and prints requests per second, p50 and p99
latency, and the ratio to that hello-world run; pages answered with anything but 200 are reported,
not measured. Member pages carry the session cookie of a demo member, obtained by logging in over
HTTP once; anonymous pages carry whatever cookie a browser holds after its first page (none today:
visitors' pages set no cookie).

It prints figures and asserts nothing: they depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBER_EMAIL = "giulia.rinaldi@telconord.example"
DEMO_PASSWORD = "club-demo-2026-password"  # noqa: S105 - the published demo password


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    environment = (
        os.environ
        | env
        | {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_LOG_LEVEL": "warning",
            # No worker recycling in the middle of a 10-second run.
            "GUNICORN_MAX_REQUESTS": "0",
        }
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {target} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn {target} did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def member_cookie(port: int) -> str:
    """Log in as the demo member once, as a browser would (the session cookie is Secure in production,
    which a plain HTTP client library would not send back: it is carried by hand)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/account/login")
    response = connection.getresponse()
    page = response.read().decode()
    jar = _cookies(response)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if not token:
        raise SystemExit("no CSRF token on the login page")
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "email": MEMBER_EMAIL, "password": DEMO_PASSWORD})
    connection.request(
        "POST",
        "/account/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
    )
    response = connection.getresponse()
    response.read()
    jar |= _cookies(response)
    if response.status != 302 or "session" not in jar:
        raise SystemExit(f"the demo member could not log in (status {response.status})")
    # Follow the redirect as a browser does: the page shows the welcome message and the session
    # cookie it sets no longer carries it (wrk would otherwise replay a message waiting forever).
    return _after_first_page(connection, "; ".join(f"{k}={v}" for k, v in jar.items()))


def _after_first_page(connection: http.client.HTTPConnection, cookie: str) -> str:
    connection.request("GET", "/", headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part) | _cookies(response)
    return "; ".join(f"{k}={v}" for k, v in jar.items() if k in {"session", "remember_token"})


def visitor_cookie(port: int) -> str:
    """The session cookie a browser holds after its first page (it carries the visitor's CSRF secret)."""
    return _after_first_page(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "")


def discover_pages(database_url: str) -> dict[str, tuple[str, str | None]]:
    """name -> (path, who asks), with ids taken from the data: the most commented public case, the
    latest published week, a category with published results. Who asks: None for a first visit
    without cookies, "visitor" for an anonymous browser after its first page, "member" for the
    signed-in demo member."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        case_id = connection.execute(
            text(
                "SELECT c.id FROM case_studies c LEFT JOIN case_comments m ON m.case_id = c.id "
                "WHERE c.status = 'published' AND c.visibility = 'public' "
                "GROUP BY c.id ORDER BY count(m.id) DESC, c.id LIMIT 1"
            )
        ).scalar_one()
        week_id = connection.execute(
            text("SELECT id FROM event_weeks WHERE status = 'published' ORDER BY starts_on DESC LIMIT 1")
        ).scalar_one()
        category_id = connection.execute(
            text(
                "SELECT c.id FROM award_categories c JOIN award_editions e ON e.id = c.edition_id "
                "WHERE e.results_frozen_at IS NOT NULL ORDER BY e.results_frozen_at DESC, c.id LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return {
        "home (anonymous)": ("/", "visitor"),
        "home (member)": ("/", "member"),
        "case list": ("/cases/", "visitor"),
        "case list (member)": ("/cases/", "member"),
        "case page": (f"/cases/{case_id}", "visitor"),
        "case page (member)": (f"/cases/{case_id}", "member"),
        "search": ("/cases/?q=clienti+reclami", "visitor"),
        "search (member)": ("/cases/?q=clienti+reclami", "member"),
        "directory (member)": ("/members/", "member"),
        "programme": (f"/events/{week_id}", "visitor"),
        "results": (f"/awards/categories/{category_id}/results", "visitor"),
    }


_LATENCY = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, connections: int, duration: int, threads: int, cookie: str | None) -> Figures:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    latencies = {match.group(1): _milliseconds(match.group(2), match.group(3)) for match in _LATENCY.finditer(output)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(group) for group in socket_errors.groups())
    return Figures(rate, latencies.get("50", float("nan")), latencies.get("99", float("nan")), failed)


def check_status(port: int, path: str, cookie: str | None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    return response.status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite:////tmp/large.sqlite3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per page first")
    parser.add_argument("--pages", default="", help="comma-separated names (prefixes) to keep")
    args = parser.parse_args(argv)

    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    pages = discover_pages(args.database)
    if args.pages:
        wanted = [name.strip() for name in args.pages.split(",") if name.strip()]
        pages = {name: page for name, page in pages.items() if any(name.startswith(w) for w in wanted)}

    club_env = {
        "CLUB_ENV": "production",
        "DATABASE_URL": args.database,
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_BACKEND": "memory",
        # The benchmark's single address would otherwise be refused after ten logins a minute.
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    # Both servers run side by side (an idle one costs nothing) and every page is measured right
    # after a hello-world run: a shared machine's speed drifts, and the ratio then compares like
    # with like.
    hello_port, club_port = free_port(), free_port()
    hello = start_gunicorn("bench.hello:app", hello_port, {}, args.workers)
    club = start_gunicorn("app:app", club_port, club_env, args.workers)
    results: dict[str, tuple[Figures, Figures] | str] = {}
    try:
        cookies = {"member": member_cookie(club_port), "visitor": visitor_cookie(club_port), None: None}
        hello_url = f"http://127.0.0.1:{hello_port}/"
        for name, (path, who) in pages.items():
            page_cookie = cookies[who]
            status = check_status(club_port, path, page_cookie)
            if status != 200:
                results[name] = f"HTTP {status}"
                continue
            url = f"http://127.0.0.1:{club_port}{path}"
            if args.warmup:
                run_wrk(url, args.connections, args.warmup, args.threads, page_cookie)
            baseline = run_wrk(hello_url, args.connections, args.duration, args.threads, None)
            results[name] = (run_wrk(url, args.connections, args.duration, args.threads, page_cookie), baseline)
    finally:
        stop(club)
        stop(hello)

    print(
        f"\n{args.workers} gunicorn workers (gthread), wrk {args.connections} connections, {args.duration} s per page,"
        f" {os.cpu_count()} CPUs, database {urllib.parse.urlsplit(args.database).scheme}"
    )
    header = (
        f"{'page':<22} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
        f" {'hello req/s':>11} {'hello p99':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, measured in results.items():
        if isinstance(measured, str):
            print(f"{name:<22} {measured}")
            continue
        page, baseline = measured
        print(
            f"{name:<22} {page.requests_per_second:>8.0f} {page.p50_ms:>7.1f} {page.p99_ms:>7.1f} {page.errors:>6}"
            f" {baseline.requests_per_second:>11.0f} {baseline.p99_ms:>9.1f}"
            f" {page.requests_per_second / baseline.requests_per_second:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
