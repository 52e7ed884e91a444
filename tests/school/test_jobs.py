"""The job queue builds PDFs off the request path, once per content, on both of its back ends.

The Redis tests use the real Redis at 127.0.0.1:6379 and a real RQ worker that forks a work
horse for every job; each test has a queue of its own, removed afterwards.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from pathlib import Path

import pytest

from courses import services as courses
from courses.models import Course
from school import jobs, pdfjobs, printing
from school.extensions import db
from school.files import TMP_PREFIX, is_whole_pdf_file
from school.printing import PrintFailed
from tests import pdfs

REDIS_URL = "redis://127.0.0.1:6379/13"
WORKBOOK = "/courses/kurs/workbook.pdf"


@pytest.fixture
def course(make_user) -> Course:
    teacher = make_user("instructor", display_name="Анна Петрова")
    course = courses.create_course(teacher, title="Курс", slug="kurs", language="ru")
    module = courses.create_module(course, title="Модуль", body="Введение.")
    courses.create_item(module, title="Урок", body="Текст урока.")
    courses.set_published(course, True)
    return db.session.get(Course, course.id)


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every document the print engine renders (in this process and in forked work horses)."""
    done: list[str] = []
    original = printing.render_pdf

    def counting(html, metadata, **options):
        done.append(metadata.title)
        return original(html, metadata, **options)

    monkeypatch.setattr(printing, "render_pdf", counting)
    return done


def _cache_pdfs(app) -> list[Path]:
    return sorted(Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"))


# ------------------------------------------------------------------------------ embedded


def test_a_reader_gets_a_page_that_reloads_itself_then_the_file(app, client, course, renders):
    waiting = client.get(WORKBOOK)
    assert waiting.status_code == 202
    assert waiting.headers["Cache-Control"] == "no-store"
    assert waiting.headers["Retry-After"] == "5"
    page = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in page and "<script" not in page
    app.extensions["jobs"].drain()
    ready = client.get(WORKBOOK)
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF-")
    assert renders == ["Курс"]


def test_many_readers_at_once_cause_one_build(app, course, renders, monkeypatch):
    runs = []
    job = pdfjobs.build_pdf
    monkeypatch.setattr(pdfjobs, "build_pdf", lambda *a, **k: runs.append(a) or job(*a, **k))
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def reader() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get(WORKBOOK).status_code)

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app.extensions["jobs"].drain()
    assert set(statuses) <= {200, 202} and 202 in statuses
    assert renders == ["Курс"] and len(runs) == 1
    summary = app.extensions["jobs"].summary(10)
    assert summary.counts == {jobs.WAITING: 0, jobs.RUNNING: 0, jobs.FAILED: 0}
    assert len(_cache_pdfs(app)) == 1


def test_a_failed_build_shows_readers_a_page_and_staff_the_error_and_a_retry(
    app, client, course, login, monkeypatch
):
    original = printing.render_pdf

    def failing(html, metadata, **options):
        raise PrintFailed("the document needs 900 pages, more than the limit")

    monkeypatch.setattr(printing, "render_pdf", failing)
    assert client.get(WORKBOOK).status_code == 202
    app.extensions["jobs"].drain()
    failed = client.get(WORKBOOK)
    assert failed.status_code == 503
    assert "<meta http-equiv" not in failed.get_data(as_text=True)
    assert client.get(WORKBOOK).status_code == 503  # not built again for every reader

    staff = login("staff")
    page = staff.get("/manage/jobs").get_data(as_text=True)
    assert "more than the limit" in page and "Курс" in page
    [job] = app.extensions["jobs"].summary(10).failed
    monkeypatch.setattr(printing, "render_pdf", original)  # the cause is fixed
    response = staff.post(f"/manage/jobs/{job.id}/retry")
    assert response.status_code == 302
    app.extensions["jobs"].drain()
    assert pdfs.fetch(client, WORKBOOK).data.startswith(b"%PDF-")
    assert app.extensions["jobs"].summary(10).counts[jobs.FAILED] == 0


def test_retrying_a_job_that_has_not_failed_changes_nothing(login, app):
    staff = login("staff")
    response = staff.post("/manage/jobs/school-nothing/retry", follow_redirects=True)
    assert response.status_code == 200
    assert app.extensions["jobs"].summary(10).counts[jobs.WAITING] == 0


def test_health_reports_the_embedded_queue(client, course):
    client.get(WORKBOOK)
    queue = client.get("/healthz").get_json()["queue"]
    assert queue["ok"] is True and queue["backend"] == "embedded"
    assert {"waiting", "running", "failed"} <= set(queue)


# ------------------------------------------------------------------------------ Redis


@pytest.fixture
def redis_app(make_app, course):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    name = f"test-{uuid.uuid4().hex[:12]}"
    app = make_app(JOB_QUEUE="redis", REDIS_URL=REDIS_URL, JOB_QUEUE_NAME=name)
    yield app
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.close()


def _work(app) -> None:
    with app.app_context():
        app.extensions["jobs"].drain()


def test_redis_two_web_apps_enqueue_one_job_and_a_worker_builds_it(redis_app, make_app, renders):
    # A second app, as another web server would be: it shares nothing with the first but Redis.
    other = make_app(
        **{k: redis_app.config[k] for k in ("JOB_QUEUE", "REDIS_URL", "JOB_QUEUE_NAME")}
    )
    assert other.extensions["jobs"] is not redis_app.extensions["jobs"]
    assert redis_app.test_client().get(WORKBOOK).status_code == 202
    assert other.test_client().get(WORKBOOK).status_code == 202
    with other.app_context():
        summary = other.extensions["jobs"].summary(10)
    assert summary.backend == "redis" and summary.counts[jobs.WAITING] == 1
    assert summary.workers == 0
    with other.app_context():
        health = other.test_client().get("/healthz").get_json()["queue"]
    assert health == {**health, "ok": False, "workers": 0, "waiting": 1}

    _work(redis_app)
    response = other.test_client().get(WORKBOOK)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert renders == []  # rendered in the work horse, not in this process
    assert len(_cache_pdfs(redis_app)) == 1


def test_redis_a_build_killed_halfway_is_retried_and_leaves_no_broken_file(
    redis_app, monkeypatch, tmp_path
):
    original = printing.render_pdf
    killed = tmp_path / "killed"
    cache = Path(redis_app.config["PDF_CACHE_DIR"])

    def dies_once(html, metadata, **options):
        if not killed.exists():
            killed.write_text("once")
            cache.mkdir(parents=True, exist_ok=True)
            (cache / f"{TMP_PREFIX}half.part").write_bytes(b"%PDF-1.7\n half a file")
            os.kill(os.getpid(), signal.SIGKILL)  # the work horse dies mid-render
        return original(html, metadata, **options)

    monkeypatch.setattr(printing, "render_pdf", dies_once)
    client = redis_app.test_client()
    assert client.get(WORKBOOK).status_code == 202
    _work(redis_app)
    assert killed.exists()
    [pdf] = _cache_pdfs(redis_app)
    assert is_whole_pdf_file(pdf)
    response = client.get(WORKBOOK)
    assert response.status_code == 200 and response.data == pdf.read_bytes()
    with redis_app.app_context():
        assert redis_app.extensions["jobs"].summary(10).counts[jobs.FAILED] == 0


def test_redis_a_failed_build_is_listed_and_retried(redis_app, monkeypatch, make_user):
    original = printing.render_pdf
    monkeypatch.setattr(
        printing, "render_pdf", lambda *a, **k: (_ for _ in ()).throw(PrintFailed("no fonts"))
    )
    client = redis_app.test_client()
    client.get(WORKBOOK)
    _work(redis_app)
    assert client.get(WORKBOOK).status_code == 503
    with redis_app.app_context():
        [job] = redis_app.extensions["jobs"].summary(10).failed
        assert "no fonts" in job.error and job.description == "Курс"
        monkeypatch.setattr(printing, "render_pdf", original)
        assert redis_app.extensions["jobs"].retry(job.id)
    _work(redis_app)
    assert client.get(WORKBOOK).status_code == 200


# ------------------------------------------------------------------------------ command line


def test_warm_builds_every_current_document_once(app, course, renders):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "warm"])
    assert first.exit_code == 0, first.output
    assert "Queued 1 builds." in first.output and "0 failed" in first.output
    assert renders == ["Курс"] and len(_cache_pdfs(app)) == 1
    again = runner.invoke(args=["jobs", "warm"])
    assert "Queued 0 builds." in again.output and renders == ["Курс"]


def test_a_worker_needs_the_redis_queue(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "embedded" in result.output


def test_list_and_retry_from_the_command_line(app, client, course, monkeypatch):
    monkeypatch.setattr(printing, "render_pdf", lambda *a, **k: (_ for _ in ()).throw(
        PrintFailed("broken stylesheet")))  # fmt: skip
    client.get(WORKBOOK)
    app.extensions["jobs"].drain()
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["jobs", "list"])
    assert "1 failed" in listing.output and "broken stylesheet" in listing.output
    [job] = app.extensions["jobs"].summary(10).failed
    assert runner.invoke(args=["jobs", "retry", job.id]).exit_code == 0
    assert runner.invoke(args=["jobs", "retry", "school-unknown"]).exit_code != 0
