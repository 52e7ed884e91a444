"""The job queue: slow work (building PDFs) runs outside web requests, once per piece of work.

One interface, two back ends, chosen by ``JOB_QUEUE`` (see ``school.config``):

* ``redis`` -- RQ (https://python-rq.org) on the Redis of ``REDIS_URL``, the production shape.
  Workers run ``flask jobs worker`` on any machine that reaches the Redis, the database and
  ``PDF_CACHE_DIR``. Each job runs in a work horse forked for it, so whatever a render takes is
  given back when the job ends, and a horse that is killed halfway fails its job, which RQ runs
  again (``RETRIES`` times).
* ``embedded`` -- the default without Redis (``make run``, tests): a thread of the web process
  runs the same job functions in order. Nothing survives a restart; a job lost that way is
  submitted again by the next reader who asks.

Every job has a *key* (for PDFs, the content hash). Submitting a key that is waiting, running or
failed enqueues nothing and returns that job's state: a thousand readers asking for the same
file cause one build, and a build that failed waits for staff to retry it (``retry``) instead of
failing again for every reader. A key whose job is done is enqueued again (its file was evicted).

Job functions run in an app context and take picklable arguments.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

log = logging.getLogger(__name__)

WAITING, RUNNING, FAILED, DONE = "waiting", "running", "failed", "done"
#: Runs after the first failure; a work horse killed halfway counts as a failure.
RETRIES = 2
#: Seconds a failed job stays listed for staff (RQ back end).
FAILURE_TTL = 30 * 24 * 3600
#: Seconds a finished job is remembered.
RESULT_TTL = 600
#: Seconds during which a key being enqueued cannot be enqueued again (RQ back end).
ENQUEUE_LOCK_SECONDS = 30
#: Jobs of each state that the embedded back end remembers once they are over.
EMBEDDED_HISTORY = 200


@dataclass(frozen=True)
class JobInfo:
    """One job as staff and readers see it: never its arguments (they may name a person)."""

    id: str
    key: str
    description: str
    state: str
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str = ""

    @property
    def active(self) -> bool:
        return self.state in (WAITING, RUNNING)


@dataclass(frozen=True)
class QueueSummary:
    """The first jobs of each state, and how many there are in all."""

    backend: str
    waiting: list[JobInfo]
    running: list[JobInfo]
    failed: list[JobInfo]
    counts: dict[str, int]
    workers: int | None = None


def _error_line(text: str | None) -> str:
    """The last line of a traceback: the exception and its message, never the stack."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class _Queue:
    """What both back ends share: job ids made from keys, and the one way to submit."""

    backend = ""
    name = ""

    def job_id(self, key: str) -> str:
        return f"{self.name}-{key}"

    def submit(
        self,
        func: Callable[..., Any],
        *args: Any,
        key: str,
        description: str,
        retry_kwargs: dict[str, Any] | None = None,
    ) -> JobInfo:
        """Queue ``func(*args)`` once per ``key``: while a job of that key is waiting,
        running or failed, its state is returned instead of a second job."""
        return self._submit(func, args, key, description, retry_kwargs or {})

    def _submit(self, func, args, key, description, retry_kwargs) -> JobInfo:
        raise NotImplementedError


# ------------------------------------------------------------------------------ RQ on Redis


class RedisQueue(_Queue):
    """RQ on Redis: jobs survive restarts and run on any number of worker machines."""

    backend = "redis"

    def __init__(self, url: str, name: str, timeout: int) -> None:
        self.name = name
        self.timeout = timeout
        self.connection = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        self.queue = Queue(name, connection=self.connection)

    def _fetch(self, job_id: str) -> Job | None:
        try:
            return Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None

    def _info(self, job: Job) -> JobInfo:
        status = job.get_status(refresh=False)
        if status == JobStatus.STARTED:
            state = RUNNING
        elif status == JobStatus.FINISHED:
            state = DONE
        elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            state = FAILED
        else:
            state = WAITING
        error = ""
        if state == FAILED:
            result = job.latest_result()
            error = _error_line(result.exc_string if result else "")
        return JobInfo(
            id=job.id,
            key=job.meta.get("key", ""),
            description=job.description or "",
            state=state,
            enqueued_at=_utc(job.enqueued_at),
            started_at=_utc(job.started_at),
            ended_at=_utc(job.ended_at),
            error=error,
        )

    def state(self, key: str) -> JobInfo | None:
        job = self._fetch(self.job_id(key))
        return None if job is None else self._info(job)

    def _submit(self, func, args, key, description, retry_kwargs) -> JobInfo:
        known = self.state(key)
        if known is not None and known.state != DONE:
            return known
        lock = f"{self.name}:enqueue-lock:{key}"
        if not self.connection.set(lock, 1, nx=True, ex=ENQUEUE_LOCK_SECONDS):
            return self.state(key) or JobInfo(self.job_id(key), key, description, WAITING)
        return self._enqueue(func, args, {}, key, description, retry_kwargs)

    def _enqueue(self, func, args, kwargs, key, description, retry_kwargs) -> JobInfo:
        job = self.queue.enqueue_call(
            func,
            args=args,
            kwargs=kwargs,
            job_id=self.job_id(key),
            description=description,
            timeout=self.timeout,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=RETRIES),
            meta={"key": key, "retry_kwargs": retry_kwargs},
        )
        return self._info(job)

    def retry(self, job_id: str) -> bool:
        """Run a failed job again (with its ``retry_kwargs``); False if it is not failed."""
        job = self._fetch(job_id)
        if job is None or self._info(job).state != FAILED:
            return False
        FailedJobRegistry(queue=self.queue).remove(job)
        meta = job.meta
        kwargs = {**job.kwargs, **meta.get("retry_kwargs", {})}
        self._enqueue(
            job.func, job.args, kwargs, meta.get("key", ""), job.description, meta["retry_kwargs"]
        )
        return True

    def summary(self, limit: int) -> QueueSummary:
        started = StartedJobRegistry(queue=self.queue)
        failed = FailedJobRegistry(queue=self.queue)

        def infos(ids: list[str]) -> list[JobInfo]:
            if limit <= 0:
                return []
            jobs = Job.fetch_many(ids, connection=self.connection)
            return [self._info(job) for job in jobs if job is not None]

        return QueueSummary(
            backend=self.backend,
            waiting=infos(self.queue.get_job_ids(0, max(limit, 0))),
            running=infos(started.get_job_ids(0, limit - 1)),
            failed=infos(failed.get_job_ids(0, limit - 1, desc=True)),
            counts={WAITING: self.queue.count, RUNNING: started.count, FAILED: failed.count},
            workers=Worker.count(queue=self.queue),
        )

    def work(self, *, burst: bool = False) -> None:
        """Run a worker in this process (``flask jobs worker``); in an app context."""
        worker = AppWorker([self.queue], connection=self.connection)
        worker.work(burst=burst, logging_level="INFO", with_scheduler=True)

    def drain(self, timeout: float = 300) -> None:
        """Run every waiting job now, each in its own work horse (tests, ``flask jobs warm``)."""
        self.work(burst=True)

    def close(self) -> None:
        self.connection.close()


class AppWorker(Worker):
    """An RQ worker whose work horses open their own database connections.

    The horse is forked from the worker and inherits its app context; the connections in the
    pool belong to the worker, so the horse sets them aside (without closing them).
    """

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        from school.extensions import db

        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


# ------------------------------------------------------------------------------ embedded


@dataclass
class _LocalJob:
    info: JobInfo
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    retry_kwargs: dict[str, Any] = field(default_factory=dict)
    future: Future | None = None


class EmbeddedQueue(_Queue):
    """The same jobs in one thread of this process, in the order submitted."""

    backend = "embedded"

    def __init__(self, app: Flask, name: str) -> None:
        self.app = app
        self.name = name
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, _LocalJob] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0

    def _pool(self) -> ThreadPoolExecutor:
        # Made on first use in each process: a server that forks after loading the app gives
        # every worker its own thread.
        if self._executor is None or self._pid != os.getpid():
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="jobs")
            self._pid = os.getpid()
            self._jobs.clear()
        return self._executor

    def state(self, key: str) -> JobInfo | None:
        job = self._jobs.get(key)
        return None if job is None else job.info

    def _submit(self, func, args, key, description, retry_kwargs) -> JobInfo:
        with self._lock:
            pool = self._pool()
            known = self._jobs.get(key)
            if known is not None and known.info.state != DONE:
                return known.info
            info = JobInfo(self.job_id(key), key, description, WAITING, datetime.now(UTC))
            job = _LocalJob(info, func, args, retry_kwargs=retry_kwargs)
            self._remember(key, job)
            job.future = pool.submit(self._run, key, job)
            return info

    def _remember(self, key: str, job: _LocalJob) -> None:
        self._jobs.pop(key, None)
        self._jobs[key] = job
        over = [k for k, j in self._jobs.items() if not j.info.active][:-EMBEDDED_HISTORY]
        for old in over:
            del self._jobs[old]

    def _run(self, key: str, job: _LocalJob) -> None:
        job.info = replace(job.info, state=RUNNING, started_at=datetime.now(UTC))
        try:
            with self.app.app_context():
                job.func(*job.args, **job.kwargs)
        except Exception as error:
            log.exception("job %s failed", job.info.id)
            ended = datetime.now(UTC)
            message = _error_line(f"{type(error).__name__}: {error}")
            job.info = replace(job.info, state=FAILED, ended_at=ended, error=message)
        else:
            job.info = replace(job.info, state=DONE, ended_at=datetime.now(UTC))

    def retry(self, job_id: str) -> bool:
        with self._lock:
            for key, job in self._jobs.items():
                if job.info.id == job_id and job.info.state == FAILED:
                    info = replace(job.info, state=WAITING, enqueued_at=datetime.now(UTC), error="")
                    kwargs = {**job.kwargs, **job.retry_kwargs}
                    again = _LocalJob(info, job.func, job.args, kwargs, job.retry_kwargs)
                    self._remember(key, again)
                    again.future = self._pool().submit(self._run, key, again)
                    return True
        return False

    def summary(self, limit: int) -> QueueSummary:
        infos = [job.info for job in list(self._jobs.values())]
        by_state = {state: [i for i in infos if i.state == state] for state in (WAITING, RUNNING)}
        failed = [i for i in reversed(infos) if i.state == FAILED]
        return QueueSummary(
            backend=self.backend,
            waiting=by_state[WAITING][:limit],
            running=by_state[RUNNING][:limit],
            failed=failed[:limit],
            counts={state: len(items) for state, items in [*by_state.items(), (FAILED, failed)]},
            workers=None,
        )

    def drain(self, timeout: float = 300) -> None:
        """Wait until no job is waiting or running (jobs may submit more jobs)."""
        deadline = time.monotonic() + timeout
        while True:
            futures = [j.future for j in list(self._jobs.values()) if j.info.active and j.future]
            if not futures:
                return
            for future in futures:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        if self._executor is not None and self._pid == os.getpid():
            self._executor.shutdown(wait=True)
            self._executor = None


# ------------------------------------------------------------------------------ the app's queue


def init_app(app: Flask) -> None:
    config = app.config
    name = config.get("JOB_QUEUE_NAME", "school")
    if config.get("JOB_QUEUE", "embedded") == "redis":
        if not config.get("REDIS_URL"):
            raise RuntimeError("JOB_QUEUE=redis needs REDIS_URL")
        queue: RedisQueue | EmbeddedQueue = RedisQueue(
            config["REDIS_URL"], name, int(config.get("JOB_TIMEOUT", 900))
        )
    else:
        queue = EmbeddedQueue(app, name)
    app.extensions["jobs"] = queue


def queue() -> RedisQueue | EmbeddedQueue:
    """The current app's queue."""
    return current_app.extensions["jobs"]


def health() -> dict[str, Any]:
    """The queue for ``/healthz``: its back end and how many jobs wait, run and failed."""
    summary = queue().summary(0)
    report: dict[str, Any] = {"ok": True, "backend": summary.backend, **summary.counts}
    if summary.workers is not None:
        report["workers"] = summary.workers
        # Jobs waiting with no worker to run them: readers would wait for ever.
        report["ok"] = summary.workers > 0 or summary.counts[WAITING] == 0
    return report


def close(app: Flask) -> None:
    with contextlib.suppress(Exception):
        app.extensions["jobs"].close()
