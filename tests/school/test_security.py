"""Headers, CSRF, rate limits, privacy of logs and database, and the page weight."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from school import create_app, security
from school.extensions import db
from school.models import User
from tests.conftest import PASSWORD

PUBLIC_PAGES = ["/", "/login", "/register", "/privacy"]


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/no-such-page"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "http" not in csp  # no third-party source
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_pages_reference_no_other_host(client, url):
    html = client.get(url).get_data(as_text=True)
    for ref in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert not re.match(r"^(?:[a-z]+:)?//", ref), ref
    assert "<script" not in html  # every page works without JavaScript
    assert "style=" not in html


def test_home_page_is_light(client):
    html = client.get("/").data
    response = client.get("/static/css/site.css")
    css = response.data
    response.close()
    assert len(html) + len(css) < 60 * 1024


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development; SESSION_COOKIE_SECURE behind HTTPS


def test_secure_cookie_when_configured(app_config, request):
    app_config["SESSION_COOKIE_SECURE"] = True
    app = request.getfixturevalue("app")
    user = request.getfixturevalue("make_user")()
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_logged_in_pages_are_not_cached(login):
    assert login().get("/").headers["Cache-Control"] == "private, no-store"


@pytest.fixture
def csrf_app(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    return request.getfixturevalue("app")


@pytest.mark.parametrize(
    "url", ["/login", "/register", "/logout", "/language", "/account/password", "/account/delete"]
)
def test_post_without_csrf_token_is_refused(csrf_app, url):
    client = csrf_app.test_client()
    response = client.post(url, data={"username": "x", "password": PASSWORD, "lang": "en"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


def test_post_with_csrf_token_passes(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/register", data={"csrf_token": token, "username": "olga", "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.fixture
def limited_app(app_config, request):
    app_config.update(
        RATELIMIT_ENABLED=True,
        LOGIN_LIMITS="5 per minute",
        ACCOUNT_LIMITS="3 per minute",
        REGISTER_LIMITS="2 per minute",
    )
    return request.getfixturevalue("app")


def test_login_is_limited_per_account_across_clients(limited_app, make_user):
    user = make_user(username="target")
    statuses = []
    for i in range(5):
        client = limited_app.test_client()
        response = client.post(
            "/login",
            data={"username": "TARGET", "password": "wrong password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    # Even the right password waits until the window passes.
    response = limited_app.test_client().post(
        "/login", data={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_login_is_limited_per_client_and_answers_alike(limited_app, make_user):
    make_user(username="exists")
    client = limited_app.test_client()
    names = ["exists", "absent", "exists2", "absent2", "exists3", "exists", "absent"]
    statuses = [
        client.post("/login", data={"username": n, "password": "wrong password"}).status_code
        for n in names
    ]
    assert statuses[:5] == [200] * 5
    existing, missing = (
        client.post("/login", data={"username": n, "password": "wrong password"})
        for n in ("exists", "absent")
    )
    assert existing.status_code == missing.status_code == 429
    assert existing.data == missing.data


def test_registration_is_limited_per_client(limited_app):
    # A new browser each time (a signed-in one would only be sent home), from the same address.
    statuses = [
        limited_app.test_client()
        .post("/register", data={"username": f"new{i}", "password": PASSWORD})
        .status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert "Too many attempts" in limited_app.test_client().post(
        "/register", data={"username": "new9", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)  # fmt: skip


def test_an_unreachable_redis_stops_start_up_in_production(app_config):
    # Counting per worker would let an attacker try workers × the limit; the live test
    # tests/load/test_rate_limits.py checks that two gunicorn workers count together in Redis.
    app_config.update(
        TESTING=False, RATELIMIT_ENABLED=True, REDIS_URL="redis://127.0.0.1:1/0",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="Redis does not answer"):
        create_app(app_config)


def test_no_ip_address_or_user_agent_in_the_database(app, client):
    columns = {
        column["name"].lower()
        for table in inspect(db.engine).get_table_names()
        for column in inspect(db.engine).get_columns(table)
    }
    assert not {c for c in columns if re.search(r"(^|_)(ip|addr|address|user_agent|ua)($|_)", c)}
    client.post(
        "/register",
        data={"username": "private", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "SpyBrowser/1.0"},
    )
    assert db.session.scalar(select(User).where(User.username == "private")) is not None
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                text = " ".join(str(v) for v in row)
                assert "203.0.113.77" not in text and "SpyBrowser" not in text


def test_development_server_log_has_no_client_address(app, caplog):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://localhost:{server.server_port}"  # the public address (tests)
            urllib.request.urlopen(base + "/privacy").read()  # noqa: S310
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(base + "/webinars/feed/s3cr3t-t0ken.ics")  # noqa: S310
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /privacy" in line for line in lines)
    assert not any("127.0.0.1" in line or "s3cr3t-t0ken" in line for line in lines)


def test_gunicorn_access_log_has_no_address_and_no_secret_token(tmp_path, database):
    if "TEST_SCHEMA" in database:
        pytest.skip("the server runs on its own SQLite file")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
        "SECRET_KEY": "x",
    }
    log = tmp_path / "access.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", str(log), "school:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/privacy", timeout=1).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base + "/webinars/feed/s3cr3t-t0ken.ics", timeout=5)  # noqa: S310
    finally:
        process.terminate()
        process.wait(timeout=20)
    text = log.read_text()
    assert "GET /privacy" in text and "/webinars/feed/***.ics" in text
    assert "127.0.0.1" not in text and "s3cr3t-t0ken" not in text


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /webinars/feed/s3cr3t.ics HTTP/1.1", "GET /webinars/feed/***.ics HTTP/1.1"),
        ("GET /webinars/feed/s3cr3t HTTP/1.1", "GET /webinars/feed/*** HTTP/1.1"),
        ("GET /webinars/feed/s3cr3t?x=1", "GET /webinars/feed/***?x=1"),
        ("GET /Webinars/FEED/s3cr3t.ICS", "GET /Webinars/FEED/***.ICS"),
        ("Exception on /webinars/feed/s3cr3t/ [GET]", "Exception on /webinars/feed/***/ [GET]"),
        ("GET /webinars/feed.atom", "GET /webinars/feed.atom"),
    ],
)
def test_feed_tokens_are_masked_in_every_logged_path(line, masked):
    assert security.mask_secrets(line) == masked


def test_errors_logged_by_the_app_hide_feed_tokens(app, caplog):
    with caplog.at_level(logging.ERROR):
        app.logger.error("Exception on %s [GET]", "/webinars/feed/s3cr3t")
    assert "s3cr3t" not in caplog.text and "/webinars/feed/***" in caplog.text
