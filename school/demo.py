"""Demonstration accounts and content, loaded by ``flask seed-demo`` and ``make run``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from school import hooks
from school.extensions import db
from school.models import Role, User
from school.passwords import hash_password
from school.services import find_user
from school.usernames import skeleton, username_key

# Demo passwords are printed on start: these accounts exist only on demonstration installs.
DEMO_ACCOUNTS = (
    ("admin", "demo-admin-2026", Role.ADMIN, "Администратор (демо)"),
    ("staff", "demo-staff-2026", Role.STAFF, "Редактор базы знаний (демо)"),
    ("instructor", "demo-instructor-2026", Role.INSTRUCTOR, "Анна Петрова (демо)"),
    ("student", "demo-student-2026", Role.STUDENT, "Мария (демо)"),
)


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def seed(log: Callable[[str], None]) -> dict[str, User]:
    """Create the demo accounts (idempotent), then every feature's demo content in order."""
    users: dict[str, User] = {}
    for username, password, role, name in DEMO_ACCOUNTS:
        user = find_user(username)
        if user is None:
            # Demo names are reserved for real sign-ups ("admin", "staff"); create them directly.
            user = User(
                username=username,
                username_key=username_key(username),
                username_skeleton=skeleton(username),
                password_hash=hash_password(password),
                role=role.value,
                display_name=name,
            )
            db.session.add(user)
        users[role.value] = user
    db.session.commit()
    for name, (_order, seeder) in sorted(hooks.demo_seeders.items(), key=lambda i: i[1][0]):
        log(f"Loading demo content: {name}")
        seeder(users, log)
        db.session.commit()
    return users


def print_accounts(log: Callable[[str], None]) -> None:
    """Print the demo accounts that still have their demo password."""
    from school.passwords import verify_password

    rows = []
    for username, password, role, _name in DEMO_ACCOUNTS:
        user = find_user(username)
        if user is not None and verify_password(user.password_hash, password):
            rows.append(f"  {role.value:<11} {username:<11} password: {password}")
    if not rows:
        return
    log("")
    log("Demo accounts (a demonstration install; change or delete them for real use):")
    for row in rows:
        log(row)
    log("")
