"""Start and stop gunicorn for a benchmark, and read its workers' peak memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(
    env: dict[str, str], *args: str, timeout: float | None = None, input: str | None = None
) -> str:
    """Run ``flask --app school ARGS`` and return its output; a failure carries its stderr."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "school", *args],
            env=env, cwd=PROJECT, input=input, capture_output=True, text=True, check=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        error.add_note(f"stderr of flask {' '.join(args)}:\n{error.stderr}")
        raise
    return result.stdout


@dataclass
class Gunicorn:
    """gunicorn with sync workers; ``app`` must answer ``ready_path`` once it can serve.

    ``log`` is a file that receives gunicorn's error log (worker crashes, tracebacks); without
    it the log goes to ``process.stderr``, a pipe.
    """

    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    app: str = "bench.wsgi:app"
    ready_path: str = "/_bench/hello"
    log: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        if self.log is not None:
            with self.log.open("ab") as log:
                self.process = self._start(log)
        else:
            self.process = self._start(subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base_url + self.ready_path, timeout=2).read()  # noqa: S310
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)

    def _start(self, stderr) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", self.app],
            env={"PUBLIC_URL": self.base_url, **self.env}, cwd=PROJECT,
            stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def bench_env(instance: Path, database_url: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'bench.sqlite3'}",
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "false",
    }
    env.pop("REDIS_URL", None)
    return env
