"""Registration, login sessions, passwords, settings, export and deletion."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from school import passwords, services
from school.extensions import db
from school.models import Role, User, UserSession
from tests.conftest import PASSWORD


def test_register_with_username_and_password_only(client):
    response = client.post("/register", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    user = services.find_user("ANNA")
    assert user is not None and user.role == Role.STUDENT
    assert user.display_name is None
    assert "email" not in User.__table__.c  # no e-mail address is asked for or kept
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10"),
        ("qwertyuiop", "too common"),
        ("йцукенгшщз", "too common"),  # qwertyuiop typed on a Russian keyboard
        ("1234567890", "too common"),
        ("anna-anna-anna-1", "must not contain the username"),
    ],
)
def test_weak_passwords_are_refused_and_input_kept(client, password, message):
    response = client.post(
        "/register",
        data={"username": "anna", "password": password, "display_name": "Анна"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert 'value="Анна"' in response.get_data(as_text=True)
    assert services.find_user("anna") is None


def test_taken_username_is_refused(client, make_user):
    make_user(username="Boris")
    response = client.post(
        "/register",
        data={"username": "boris", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert "not available" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_production_hasher_is_argon2id_with_strong_parameters():
    hasher = passwords.PasswordHasher()
    assert hasher.type.name == "ID"
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024


def test_unknown_accounts_cost_a_verification_with_the_production_parameters():
    # The hash verified for unknown accounts is made ahead of time, not as each process starts.
    hasher = passwords.PasswordHasher()
    assert not hasher.check_needs_rehash(passwords._STORED_DUMMY_HASH)
    assert hasher.verify(passwords._STORED_DUMMY_HASH, "a password nobody has chosen")


def test_login_failure_is_the_same_for_unknown_and_known_accounts(client, make_user):
    make_user(username="vera")
    known = client.post("/login", data={"username": "vera", "password": "wrong password!!"})
    unknown = client.post("/login", data={"username": "nova", "password": "wrong password!!"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("vera", "nova") == unknown.get_data(as_text=True)


def test_login_rotates_session_and_logout_invalidates_it(app, client, make_user, auth):
    user = make_user()
    client.get("/")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login(user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        first_cookie = dict(sess)
    assert db.session.scalar(db.select(db.func.count(UserSession.token_hash))) == 1

    # A copy of the session cookie stops working once its owner logs out.
    stolen = app.test_client()
    with stolen.session_transaction() as sess:
        sess.update(first_cookie)
    assert stolen.get("/account/").status_code == 200
    auth.logout()
    assert stolen.get("/account/").status_code == 302
    assert db.session.scalar(db.select(db.func.count(UserSession.token_hash))) == 0

    auth.login(user)
    with client.session_transaction() as sess:
        assert sess["_user_id"] != first_cookie["_user_id"]


def test_deactivated_user_cannot_log_in(client, make_user, auth):
    user = make_user(is_active_account=False)
    response = auth.login(user)
    assert response.status_code == 200
    assert client.get("/account/").status_code == 302


def test_change_password_ends_other_sessions(app, login):
    first = login("student")
    user = first.user
    second = app.test_client()
    second.post("/login", data={"username": user.username, "password": PASSWORD})
    response = first.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "another long passphrase"},
    )
    assert response.status_code == 302
    assert first.get("/account/").status_code == 200
    assert second.get("/account/").status_code == 302
    assert services.authenticate(user.username, "another long passphrase") is not None


def test_wrong_current_password_is_reported(login):
    client = login()
    response = client.post(
        "/account/password",
        data={"current_password": "not my password", "password": "another long passphrase"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)


def test_settings_save_language_and_time_zone(login):
    client = login(display_name=None)
    response = client.post(
        "/account/",
        data={"display_name": "Мария", "locale": "en", "timezone": "Asia/Novosibirsk"},
    )
    assert response.status_code == 302
    user = db.session.get(User, client.user.id)
    assert (user.locale, user.timezone, user.display_name) == ("en", "Asia/Novosibirsk", "Мария")
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Settings saved." in page  # the confirmation is in the language just chosen


def test_unknown_time_zone_is_refused(login):
    client = login()
    response = client.post(
        "/account/",
        data={"display_name": "Кира", "locale": "en", "timezone": "Mars/Olympus"},
        headers={"Accept-Language": "en"},
    )
    text = response.get_data(as_text=True)
    assert "Unknown time zone" in text and 'value="Кира"' in text
    assert db.session.get(User, client.user.id).timezone is None


def test_export_contains_my_data_only(login, make_user):
    make_user(username="someone_else", display_name="Other Person")
    client = login(username="katya", display_name="Катя")
    response = client.get("/account/export")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["account"]["username"] == "katya"
    assert data["account"]["display_name"] == "Катя"
    assert "email" not in data["account"]
    assert "Other Person" not in response.get_data(as_text=True)
    assert "password_hash" not in response.get_data(as_text=True)


def test_export_of_a_cyrillic_username_is_a_valid_http_answer(login):
    client = login(username="мария")
    response = client.get("/account/export")
    assert response.status_code == 200
    response.headers["Content-Disposition"].encode("latin-1")  # what the server will send
    assert json.loads(response.data)["account"]["username"] == "мария"


def test_delete_account_removes_user_and_sessions(login):
    client = login(username="leaving")
    user_id = client.user.id
    refused = client.post("/account/delete", data={"password": "wrong password", "confirm": "y"})
    assert refused.status_code == 200 and db.session.get(User, user_id) is not None
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(db.select(db.func.count(UserSession.token_hash))) == 0
    assert services.find_user("leaving") is None


def test_last_admin_cannot_delete_account(login):
    client = login("admin")
    client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert db.session.get(User, client.user.id) is not None


@pytest.mark.parametrize("name", ["ß" * 40, "ß" * 21, "ﬃ" * 20])
def test_a_name_whose_case_folding_outgrows_the_column_is_refused(client, name):
    """Case folding lengthens "ß" to "ss": 40 of them do not fit the 40-character key."""
    response = client.post("/register", data={"username": name, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with the reason
    assert "От 3 до 40" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_name_that_folds_within_the_column_is_accepted(client):
    response = client.post("/register", data={"username": "ß" * 20, "password": PASSWORD})
    assert response.status_code == 302
