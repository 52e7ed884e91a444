"""sqlmap against the live server's login form and knowledge-base search: nothing injectable.

sqlmap talks to the server through a small recording proxy, so the test sees every request:
none may go to another host, and the server must answer none of them with an error (a 5xx) or
a refusal for too many attempts (which would mean sqlmap tested nothing). Both scans run at
once and are bounded: sqlmap's own limits, and a timeout on each process.

The login form is scanned at level 1: every attempt costs an Argon2 verification on purpose, so
a level 2 scan takes minutes. The search is scanned at level 2. Both assume SQLite, the live
server's database.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.live

NOT_INJECTABLE = "all tested parameters do not appear to be injectable"
INJECTABLE = "identified the following injection point"
COMMON = [
    "--batch",
    "--dbms=SQLite",
    "--risk=1",
    "--time-sec=2",
    "--timeout=5",
    "--retries=1",
    "--flush-session",
    "--disable-coloring",
]
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}


def _sqlmap() -> str:
    found = shutil.which("sqlmap", path=str(Path(sys.executable).parent)) or shutil.which("sqlmap")
    if found is None:
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail("sqlmap is not installed (pip install -e '.[e2e]')")
        pytest.skip("sqlmap is not installed; `make e2e` installs it")
    return found


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards only to ``target`` and records everything."""

    def __init__(self, target: str) -> None:
        self.target = target  # "127.0.0.1:port"
        self.hosts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_CONNECT(self) -> None:
                proxy.hosts[self.path] += 1
                self.send_error(403)

            def _forward(self) -> None:
                url = urlsplit(self.path)
                proxy.hosts[url.netloc] += 1
                if url.scheme != "http" or url.netloc != proxy.target:
                    self.send_error(403)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP and not name.lower().startswith("proxy-")
                }
                connection = http.client.HTTPConnection(url.netloc, timeout=30)
                path = url.path + (f"?{url.query}" if url.query else "")
                connection.request(self.command, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                connection.close()
                proxy.statuses[response.status] += 1
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def proxy(server) -> Iterator[RecordingProxy]:
    recorder = RecordingProxy(urlsplit(server.base_url).netloc)
    yield recorder
    recorder.close()


def test_sqlmap_finds_nothing_injectable(server, proxy, tmp_path):
    sqlmap = _sqlmap()
    scans = {
        "login": [
            f"--url={server.base_url}/login",
            "--data=csrf_token=x&username=student&password=not-the-password&next=",
            "-p",
            "username,password",
            "--csrf-token=csrf_token",
            "--level=1",
        ],
        "search": [
            f"--url={server.base_url}/finance/search?q=pension&page=1",
            "-p",
            "q,page",
            "--level=2",
            "--threads=4",
        ],
    }
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HOME"] = str(tmp_path)  # sqlmap keeps its history and settings there
    processes = {}
    for name, options in scans.items():
        output = tmp_path / name
        command = [sqlmap, *COMMON, *options, f"--proxy={proxy.url}", f"--output-dir={output}"]
        log = (tmp_path / f"{name}.txt").open("w")
        processes[name] = (
            subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env),
            log,
        )
    reports = {}
    for name, (process, log) in processes.items():
        try:
            process.wait(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"sqlmap did not finish scanning the {name} in time")
        finally:
            log.close()
        reports[name] = (tmp_path / f"{name}.txt").read_text(errors="replace")

    for name, report in reports.items():
        assert INJECTABLE not in report, f"sqlmap found an injection in the {name}:\n{report}"
        assert NOT_INJECTABLE in report, f"the {name} scan did not complete:\n{report[-3000:]}"
        for found in (tmp_path / name).rglob("log"):
            assert not found.read_text().strip(), f"sqlmap logged an injection point: {found}"
    total = sum(proxy.hosts.values())
    print(f"sqlmap: {total} requests to {dict(proxy.hosts)}, answers {dict(proxy.statuses)}")
    assert set(proxy.hosts) == {urlsplit(server.base_url).netloc}, proxy.hosts
    assert total > 200, "sqlmap sent too few requests to mean anything"
    assert not [s for s in proxy.statuses if s >= 500 or s == 429], proxy.statuses
