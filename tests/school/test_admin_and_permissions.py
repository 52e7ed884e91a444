"""User administration and the permission helpers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from school.extensions import db
from school.models import Role, User
from school.permissions import can_edit, can_view, edit_rule, view_rule
from tests.querycount import page_statements


def test_admin_lists_users_and_searches(login, make_user):
    make_user(username="irina")
    make_user(username="oleg")
    client = login("admin")
    html = client.get("/admin/users?q=iri").get_data(as_text=True)
    assert "irina" in html and "oleg" not in html


@pytest.mark.parametrize("role", ["student", "instructor", "staff"])
def test_only_admins_see_user_admin(login, role):
    assert login(role).get("/admin/users").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_changes_role(login, make_user):
    user = make_user(username="future_teacher")
    client = login("admin")
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "instructor"})
    assert response.status_code == 302
    assert db.session.get(User, user.id).role == Role.INSTRUCTOR


def test_unknown_role_is_refused(login, make_user):
    user = make_user()
    client = login("admin")
    client.post(f"/admin/users/{user.id}/role", data={"role": "emperor"})
    assert db.session.get(User, user.id).role == Role.STUDENT


def test_last_admin_keeps_the_role(login):
    client = login("admin")
    client.post(f"/admin/users/{client.user.id}/role", data={"role": "student"})
    assert db.session.get(User, client.user.id).role == Role.ADMIN


def test_deactivation_logs_the_user_out(app, login):
    victim = login("student")
    admin = login("admin")
    assert victim.get("/account/").status_code == 200
    admin.post(f"/admin/users/{victim.user.id}/active", data={"active": "0"})
    assert victim.get("/account/").status_code == 302
    assert not db.session.get(User, victim.user.id).is_active_account
    admin.post(f"/admin/users/{victim.user.id}/active", data={"active": "1"})
    assert db.session.get(User, victim.user.id).is_active_account


def test_admin_cannot_deactivate_self(login):
    admin = login("admin")
    admin.post(f"/admin/users/{admin.user.id}/active", data={"active": "0"})
    assert db.session.get(User, admin.user.id).is_active_account


def test_unknown_user_is_404(login):
    assert (
        login("admin").post("/admin/users/999999/role", data={"role": "staff"}).status_code == 404
    )


@dataclass
class Note:
    owner_id: int
    public: bool = False


@edit_rule(Note)
def _edit_note(user, note):
    return note.owner_id == user.id


@view_rule(Note)
def _view_note(user, note):
    return note.public


def test_object_permissions(app, make_user):
    owner, other = make_user(), make_user()
    admin = make_user(Role.ADMIN)
    private, public = Note(owner.id), Note(owner.id, public=True)
    assert can_edit(owner, private) and not can_edit(other, private) and can_edit(admin, private)
    assert not can_edit(None, private)
    assert can_view(owner, private) and not can_view(other, private)
    assert can_view(None, public) and can_view(other, public)


def test_objects_without_rules_are_admin_only(app, make_user):
    class Unruled:
        pass

    assert not can_edit(make_user(Role.STAFF), Unruled())
    assert not can_view(make_user(Role.STAFF), Unruled())
    assert can_edit(make_user(Role.ADMIN), Unruled())


def test_the_user_list_is_paginated_in_a_fixed_number_of_queries(login, make_user):
    admin = login("admin")
    few = page_statements(admin, "/admin/users")
    for number in range(60):
        make_user(username=f"reader{number:02d}")
    assert page_statements(admin, "/admin/users") == few
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users?page=2' in page
