"""Getting back in without e-mail: one-time reset links from an administrator or the command
line, the log of such events, and every other session ended by a reset."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from school import services
from school.extensions import db
from school.models import AccountEvent, PasswordReset, Role, User
from school.security import mask_secrets
from school.timeutil import now_utc
from tests.conftest import PASSWORD

NEW_PASSWORD = "another long passphrase"
PUBLIC = "https://school.example.org"
LINK_RE = re.compile(r'value="(https://school\.example\.org/account/reset/([\w-]+))"')
EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config(app_config):
    # Links are written to the public address, whatever host the request named.
    app_config.update(PUBLIC_URL=PUBLIC, EXTRA_HOSTS=["localhost"])
    return app_config


@pytest.fixture
def admin(login):
    return login(Role.ADMIN, username="the_admin")


def _issue(admin, user: User) -> tuple[str, str]:
    response = admin.post(f"/admin/users/{user.id}/reset-link", headers=EN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    url, token = LINK_RE.search(response.get_data(as_text=True)).groups()
    return url, token


def _path(url: str) -> str:
    return url.removeprefix(PUBLIC)


def _events(user: User) -> list[tuple[str, int | None, str]]:
    rows = db.session.scalars(
        select(AccountEvent).where(AccountEvent.user_id == user.id).order_by(AccountEvent.id)
    )
    return [(e.kind, e.actor_id, e.channel) for e in rows]


def test_an_admin_makes_a_link_shown_once_and_kept_as_a_hash(app, admin, make_user):
    anna = make_user(username="anna")
    users_page = admin.get("/admin/users", headers=EN).get_data(as_text=True)
    assert f"/admin/users/{anna.id}/reset-link" in users_page
    page = admin.get(f"/admin/users/{anna.id}/reset-link", headers=EN)
    assert "works once, for 24 hours" in page.get_data(as_text=True)
    assert not LINK_RE.search(page.get_data(as_text=True))  # a GET makes nothing
    assert db.session.scalar(select(db.func.count()).select_from(PasswordReset)) == 0

    _url, token = _issue(admin, anna)
    row = db.session.scalar(select(PasswordReset))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.user_id == anna.id and row.issued_by_id == admin.user.id
    assert timedelta(hours=23) < row.expires_at - now_utc() <= timedelta(hours=24)
    # Shown once: the page again has no link, but says it was made, by whom.
    again = admin.get(f"/admin/users/{anna.id}/reset-link", headers=EN).get_data(as_text=True)
    assert token not in again and "A one-time password-reset link was made" in again
    assert "the_admin" in again
    assert _events(anna) == [("reset-link-issued", admin.user.id, "web")]
    # The log holds no address or browser: these are all its columns.
    assert set(AccountEvent.__table__.c.keys()) == {
        "id", "user_id", "kind", "actor_id", "channel", "created_at"
    }  # fmt: skip


def test_the_link_sets_a_new_password_once_and_ends_every_session(app, admin, make_user):
    anna = make_user(username="anna")
    phone, laptop = app.test_client(), app.test_client()
    for client in (phone, laptop):
        assert client.post("/login", data={"username": "anna", "password": PASSWORD}).status_code
    assert phone.get("/account/").status_code == 200
    url, _token = _issue(admin, anna)

    visitor = app.test_client()
    form = visitor.get(_path(url), headers=EN)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "Choose a new password" in form.get_data(as_text=True)
    # The rules of registration apply, and a refused password leaves the link working.
    weak = visitor.post(_path(url), data={"password": "short"}, headers=EN)
    assert weak.status_code == 200 and "at least 10 characters" in weak.get_data(as_text=True)
    weak = visitor.post(_path(url), data={"password": "anna-anna-anna"}, headers=EN)
    assert "must not contain the username" in weak.get_data(as_text=True)

    done = visitor.post(_path(url), data={"password": NEW_PASSWORD}, headers=EN)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Password changed" in visitor.get("/", headers=EN).get_data(as_text=True)
    assert visitor.get("/account/").status_code == 200  # logged in
    for client in (phone, laptop):  # the old sessions are refused
        assert client.get("/account/").status_code == 302
    assert services.authenticate("anna", PASSWORD) is None
    assert services.authenticate("anna", NEW_PASSWORD) is not None
    # Used once: the link is gone.
    gone = app.test_client().get(_path(url), headers=EN)
    assert gone.status_code == 404 and "no longer works" in gone.get_data(as_text=True)
    assert app.test_client().post(_path(url), data={"password": "x" * 20}).status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(PasswordReset)) == 0
    assert [kind for kind, *_ in _events(anna)] == ["reset-link-issued", "password-reset"]


def test_a_link_expires_and_a_newer_one_voids_it(app, admin, make_user):
    anna = make_user(username="anna")
    first, _ = _issue(admin, anna)
    second, _ = _issue(admin, anna)
    assert app.test_client().get(_path(first)).status_code == 404
    assert app.test_client().get(_path(second)).status_code == 200
    db.session.execute(update(PasswordReset).values(expires_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()
    assert app.test_client().get(_path(second)).status_code == 404
    response = app.test_client().post(_path(second), data={"password": NEW_PASSWORD})
    assert response.status_code == 404
    assert services.authenticate("anna", PASSWORD) is not None


def test_the_lifetime_is_configured(app_config, request):
    app_config["PASSWORD_RESET_HOURS"] = 2
    admin = request.getfixturevalue("admin")
    anna = request.getfixturevalue("make_user")(username="anna")
    page = admin.get(f"/admin/users/{anna.id}/reset-link", headers=EN).get_data(as_text=True)
    assert "works once, for 2 hours" in page
    _issue(admin, anna)
    row = db.session.scalar(select(PasswordReset))
    assert timedelta(hours=1) < row.expires_at - now_utc() <= timedelta(hours=2)


def test_no_link_for_a_deactivated_account(admin, make_user):
    anna = make_user(username="anna", is_active_account=False)
    response = admin.post(f"/admin/users/{anna.id}/reset-link", headers=EN)
    assert "This account is deactivated" in response.get_data(as_text=True)
    assert not LINK_RE.search(response.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count()).select_from(PasswordReset)) == 0


def test_after_a_reset_an_account_with_totp_still_asks_for_the_code(app, admin, make_user):
    secret = pyotp.random_base32()
    olga = make_user(Role.STAFF, username="olga", totp_secret=secret)
    url, _ = _issue(admin, olga)
    visitor = app.test_client()
    response = visitor.post(_path(url), data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert visitor.get("/account/").status_code == 302
    code = pyotp.TOTP(secret).now()
    assert visitor.post("/login/code", data={"code": code}).status_code == 302
    assert visitor.get("/account/").status_code == 200


def test_a_link_followed_in_someone_elses_session_ends_that_session(app, admin, make_user):
    anna = make_user(username="anna")
    make_user(username="boris")
    url, _ = _issue(admin, anna)
    shared = app.test_client()
    shared.post("/login", data={"username": "boris", "password": PASSWORD})
    boris = services.find_user("boris")
    assert len(boris.sessions) == 1
    shared.post(_path(url), data={"password": NEW_PASSWORD})
    db.session.expire_all()
    assert len(services.find_user("boris").sessions) == 0
    assert "anna" in shared.get("/account/").get_data(as_text=True)


def test_the_command_line_prints_a_link_at_the_public_address(app, make_user):
    anna = make_user(username="anna")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-password", "ANNA"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert re.fullmatch(rf"{PUBLIC}/account/reset/[\w-]{{40,}}", url), url
    assert _events(anna) == [("reset-link-issued", None, "cli")]
    visitor = app.test_client()
    assert visitor.post(_path(url), data={"password": NEW_PASSWORD}).status_code == 302
    assert services.authenticate("anna", NEW_PASSWORD) is not None

    unknown = runner.invoke(args=["reset-password", "nobody"])
    assert unknown.exit_code != 0 and "no account named 'nobody'" in unknown.output


def test_reset_tokens_are_kept_out_of_logs():
    line = "GET /account/reset/AbC-123_xyz HTTP/1.1"
    assert mask_secrets(line) == "GET /account/reset/*** HTTP/1.1"


def test_events_are_in_the_export_and_go_with_the_account(app, admin, login):
    anna = login(username="anna")
    _issue(admin, anna.user)
    data = anna.get("/account/export").get_json()
    assert [e["event"] for e in data["account"]["account_events"]] == ["reset-link-issued"]
    assert "the_admin" not in anna.get("/account/export").get_data(as_text=True)
    anna.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert db.session.scalar(select(db.func.count()).select_from(AccountEvent)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(PasswordReset)) == 0
