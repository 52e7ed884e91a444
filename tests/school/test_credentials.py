"""Getting into an account besides the password: recovery codes, TOTP, and the throttles' keys."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import event, select

from school import credentials, services
from school.extensions import db
from school.models import AccountEvent, RecoveryCode, Role, User, UserSession
from school.timeutil import now_utc
from tests.conftest import PASSWORD

NEW_PASSWORD = "another long passphrase"
CODE_RE = re.compile(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>")


def register(client, username: str = "anna") -> list[str]:
    response = client.post("/register", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/recovery-codes")
    page = client.get("/account/recovery-codes")
    assert page.headers["Cache-Control"] == "no-store"
    return CODE_RE.findall(page.get_data(as_text=True))


def recover(client, username: str, code: str, **extra):
    return client.post("/login/recovery", data={"username": username, "code": code}, **extra)


@pytest.fixture
def limited_app(app_config, request):
    app_config.update(
        RATELIMIT_ENABLED=True,
        LOGIN_LIMITS="5 per minute",
        ACCOUNT_LIMITS="3 per minute",
        REGISTER_LIMITS="50 per minute",
    )
    return request.getfixturevalue("app")


# -- recovery codes ---------------------------------------------------------------------------


def test_registration_shows_ten_codes_once_and_keeps_only_hashes(client):
    codes = register(client)
    assert len(codes) == len(set(codes)) == credentials.RECOVERY_CODE_COUNT
    again = client.get("/account/recovery-codes", headers={"Accept-Language": "en"})
    text = again.get_data(as_text=True)
    assert not CODE_RE.findall(text)
    assert "You have 10 unused recovery codes." in text
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {credentials.normalise_code(c) for c in codes} & set(stored)
    assert all(code.replace("-", "") not in h for code in codes for h in stored)


def test_sign_up_writes_the_account_its_session_and_its_codes_in_one_commit(client):
    """A backup taken mid-sign-up holds the whole account or none of it."""
    written: list[set[str]] = [set()]

    def after_flush(session, _context):
        written[-1].update(obj.__table__.name for obj in session.new)

    def after_commit(_session):
        written.append(set())

    event.listen(db.session, "after_flush", after_flush)
    event.listen(db.session, "after_commit", after_commit)
    try:
        client.post("/register", data={"username": "anna", "password": PASSWORD})
    finally:
        event.remove(db.session, "after_flush", after_flush)
        event.remove(db.session, "after_commit", after_commit)
    commits = [tables for tables in written if tables]
    assert {"users", "user_sessions", "recovery_codes"} <= commits[0]
    assert not any(tables & {"users", "user_sessions", "recovery_codes"} for tables in commits[1:])


def test_a_code_logs_in_once_then_asks_for_a_new_password(app, client):
    codes = register(client)
    client.post("/logout")
    other = app.test_client()
    assert other.post("/login", data={"username": "anna", "password": PASSWORD}).status_code == 302

    typed = codes[0].upper().replace("-", " ")  # as read aloud over the phone
    response = recover(client, "ANNA", typed)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/new-password")
    # Until a new password is chosen, every page leads back to that form.
    for path in ("/", "/account/", "/webinars/", "/account/export"):
        reply = client.get(path)
        assert reply.status_code == 302 and reply.headers["Location"].endswith("/new-password")
    assert client.post("/account/new-password", data={"password": "short"}).status_code == 200
    response = client.post("/account/new-password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    # The other session ended; the new password works, the code does not work twice.
    assert other.get("/account/").status_code == 302
    client.post("/logout")
    assert recover(client, "anna", codes[0]).status_code == 200
    assert services.authenticate("anna", NEW_PASSWORD) is not None
    assert credentials.recovery_codes_left(services.find_user("anna")) == 9


def test_a_code_ends_every_other_session_at_once_and_is_logged(app, client):
    codes = register(client)
    client.post("/logout")
    other = app.test_client()
    assert other.post("/login", data={"username": "anna", "password": PASSWORD}).status_code == 302
    assert other.get("/account/").status_code == 200
    assert recover(client, "anna", codes[0]).status_code == 302
    # Whoever else was in is out before the new password is even chosen.
    assert other.get("/account/").status_code == 302
    events = db.session.scalars(select(AccountEvent.kind)).all()
    assert events == ["recovery-code-used"]


def test_wrong_codes_and_other_accounts_codes_are_refused(client, app):
    anna_codes = register(client, "anna")
    client.post("/logout")
    boris_codes = register(app.test_client(), "boris")
    for username, code in [
        ("anna", boris_codes[0]),
        ("boris", anna_codes[0]),
        ("nobody", anna_codes[0]),
        ("anna", "aaaa-bbbb-cccc-dddd"),
    ]:
        response = recover(client, username, code, headers={"Accept-Language": "en"})
        assert response.status_code == 200
        assert "does not open this account" in response.get_data(as_text=True)
    assert credentials.recovery_codes_left(services.find_user("anna")) == 10


def test_making_new_codes_voids_the_old_and_needs_the_password(client):
    old = register(client)
    assert client.post("/account/recovery-codes", data={"password": "wrong"}).status_code == 302
    assert not CODE_RE.findall(client.get("/account/recovery-codes").get_data(as_text=True))
    client.post("/account/recovery-codes", data={"password": PASSWORD})
    new = CODE_RE.findall(client.get("/account/recovery-codes").get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    assert recover(client, "anna", old[1]).status_code == 200
    assert recover(client, "anna", new[1]).status_code == 302


def test_a_flooded_account_still_opens_with_a_recovery_code(limited_app):
    owner = limited_app.test_client()
    codes = register(owner, "target")
    owner.post("/logout")
    for i in range(6):  # others' wrong passwords, from many addresses
        limited_app.test_client().post(
            "/login",
            data={"username": "target", "password": "wrong password"},
            environ_base={"REMOTE_ADDR": f"10.0.1.{i}"},
        )
    right = owner.post("/login", data={"username": "target", "password": PASSWORD})
    assert right.status_code == 429
    response = recover(owner, "target", codes[0])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/new-password")


def test_export_tells_how_many_codes_are_left_and_erasure_removes_them(client):
    register(client)
    data = client.get("/account/export").get_json()
    assert data["account"]["recovery_codes_left"] == 10
    assert data["account"]["second_factor"] is False
    client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 0


def test_cli_makes_new_codes_and_turns_off_the_second_factor(app, make_user):
    user = make_user(Role.STAFF, username="olga", totp_secret=pyotp.random_base32())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["recovery-codes", "olga"])
    assert result.exit_code == 0
    assert len(result.output.split()) == 10
    result = runner.invoke(args=["disable-totp", "olga"])
    assert result.exit_code == 0
    db.session.refresh(user)
    assert user.totp_secret is None
    assert runner.invoke(args=["recovery-codes", "nobody"]).exit_code != 0


# -- TOTP ---------------------------------------------------------------------------------------


def enrol(client) -> str:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0]
    secret = re.search(r'<code class="secret" lang="en">([A-Z2-7 ]+)</code>', page)[1]
    secret = secret.replace(" ", "")
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def step_code(secret: str, steps: int) -> str:
    return pyotp.TOTP(secret).at(now_utc() + timedelta(seconds=30 * steps))


def test_enrolment_needs_a_right_code(login):
    client = login(Role.STAFF)
    client.get("/account/two-factor")
    response = client.post(
        "/account/two-factor", data={"code": "000000"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "not right" in response.get_data(as_text=True)
    assert not client.user.has_totp


def test_login_with_totp_asks_for_a_code_that_works_once(app, login):
    client = login(Role.ADMIN, username="boss")
    secret = enrol(client)
    client.post("/logout")

    response = client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/account/").status_code == 302  # not in yet
    assert client.post("/login/code", data={"code": "12345"}).status_code == 200
    code = step_code(secret, 1)
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    client.post("/logout")
    # The same code again, even with the right password, is refused (no replay).
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert client.post("/login/code", data={"code": code}).status_code == 200
    assert client.get("/account/").status_code == 302


def test_the_code_step_expires(login):
    client = login(Role.STAFF, username="olga")
    secret = enrol(client)
    client.post("/logout")
    client.post("/login", data={"username": "olga", "password": PASSWORD})
    with client.session_transaction() as session:
        pending = session["pending_login"]
        session["pending_login"] = {**pending, "since": pending["since"] - 3600}
    response = client.post("/login/code", data={"code": step_code(secret, 1)})
    assert response.headers["Location"].endswith("/login")


def test_code_guesses_are_limited_per_account(limited_app, make_user):
    user = make_user(Role.ADMIN, username="boss")
    secret = pyotp.random_base32()
    credentials.enable_totp(user, secret, step_code(secret, -1))
    client = limited_app.test_client()
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_recovery_code_then_totp_for_a_flooded_admin(limited_app, make_user):
    user = make_user(Role.ADMIN, username="boss")
    secret = pyotp.random_base32()
    credentials.enable_totp(user, secret, step_code(secret, -1))
    codes = credentials.new_recovery_codes(user)
    for i in range(6):
        limited_app.test_client().post(
            "/login",
            data={"username": "boss", "password": "wrong password"},
            environ_base={"REMOTE_ADDR": f"10.0.2.{i}"},
        )
    client = limited_app.test_client()
    assert client.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 429
    response = recover(client, "boss", codes[0])
    assert response.headers["Location"].endswith("/login/code")
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/account/new-password")


def test_require_totp_sends_staff_to_enrol_but_not_students(app_config, request):
    app_config["REQUIRE_TOTP"] = True
    app = request.getfixturevalue("app")
    make = request.getfixturevalue("login")
    staff = make(Role.STAFF)
    reply = staff.get("/finance/manage/")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/account/two-factor")
    enrol(staff)
    assert staff.get("/finance/manage/").status_code == 200
    # Required: it cannot be turned off from the settings.
    staff.post("/account/two-factor/off", data={"password": PASSWORD})
    assert db.session.get(User, staff.user.id).has_totp
    student = make(Role.STUDENT)
    assert student.get("/account/").status_code == 200
    assert app.config["REQUIRE_TOTP"]


def test_turning_totp_off_needs_the_password(login):
    client = login(Role.STAFF)
    enrol(client)
    client.post("/account/two-factor/off", data={"password": "wrong"})
    assert db.session.get(User, client.user.id).has_totp
    client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert not db.session.get(User, client.user.id).has_totp


# -- the throttles' keys --------------------------------------------------------------------


def wrong_logins(app, addresses, **extra) -> list[int]:
    statuses = []
    for i, address in enumerate(addresses):
        statuses.append(
            app.test_client()
            .post(
                "/login",
                data={"username": f"nobody{i}", "password": "wrong password"},
                environ_base={"REMOTE_ADDR": address},
                **extra,
            )
            .status_code
        )
    return statuses


def test_clear_web_limits_count_per_address(limited_app):
    assert wrong_logins(limited_app, ["10.0.3.1"] * 6) == [200] * 5 + [429]
    assert wrong_logins(limited_app, ["10.0.3.2"]) == [200]


def test_onion_mode_keys_no_address_and_throttles_globally(app_config, request):
    app_config.update(
        RATELIMIT_ENABLED=True,
        ONION_SERVICE=True,
        ONION_LOGIN_LIMITS="4 per minute",
        ACCOUNT_LIMITS="3 per minute",
    )
    app = request.getfixturevalue("app")
    # Every visitor comes from Tor's local peer; the count is the site's, not an address's.
    assert wrong_logins(app, ["127.0.0.1"] * 2 + ["10.0.4.1", "10.0.4.2", "10.0.4.3"]) == (
        [200] * 4 + [429]
    )
    keys = list(_limiter_keys(app))
    assert keys and not any("127.0.0.1" in key or "10.0.4" in key for key in keys), keys


def test_requests_through_the_onion_address_are_in_onion_mode(app_config, request):
    app_config.update(
        RATELIMIT_ENABLED=True,
        ONION_URL="http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion",
        LOGIN_LIMITS="2 per minute",
        ONION_LOGIN_LIMITS="3 per minute",
    )
    app = request.getfixturevalue("app")
    onion = {"base_url": app.config["ONION_URL"]}
    assert wrong_logins(app, [f"127.0.0.{i}" for i in range(4)], **onion) == [200] * 3 + [429]
    # The clear-web address keeps its per-address count.
    assert wrong_logins(app, ["10.0.5.1"] * 3) == [200, 200, 429]


def _limiter_keys(app):
    from school.extensions import limiter

    storage = limiter.storage
    return [str(key) for key in getattr(storage, "events", {})] + [
        str(key) for key in getattr(storage, "storage", {})
    ]


# -- look-alike usernames --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["аdmin", "ѕtaff", "ADMlN", "r00t", "suppоrt", "deIeted"])
def test_names_that_look_reserved_are_refused(client, name):
    response = client.post(
        "/register", data={"username": name, "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "not available" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("existing", "lookalike"),
    [("anna", "аnna"), ("Ivan", "іvan"), ("modest", "rnodest"), ("o.leg", "o_leg"),
     ("olga", "οlga"), ("deleted_user", "deIeted-user")],
)  # fmt: skip
def test_names_that_look_like_an_account_are_refused(make_user, existing, lookalike):
    make_user(username=existing)
    with pytest.raises(services.AccountError):
        services.register_user(lookalike, PASSWORD)
    assert services.register_user(lookalike + "2", PASSWORD).username_skeleton


def test_distinct_names_in_any_script_stay_available(make_user):
    for name in ["anna", "анна", "ánna", "アンナ", "Şəhriyar", "Məmmədov", "Ὀδυσσεύς", "olga"]:
        assert services.register_user(name, PASSWORD, commit=True).id
    assert db.session.scalar(select(db.func.count(UserSession.token_hash))) == 0
