"""Who may edit, see and join a webinar: the rules ``webinars.init_app`` registers."""

from __future__ import annotations

from school.models import Role, User
from school.permissions import can_edit
from webinars.models import RegistrationStatus, Webinar
from webinars.services.registration import registration_of


def may_edit(user: User, webinar: Webinar) -> bool:
    """Rule for ``school.permissions``: the webinar's own instructors (admins always may)."""
    return user.has_role(Role.INSTRUCTOR) and webinar.is_instructor(user)


def may_view(user: User | None, webinar: Webinar) -> bool:
    """Anyone sees a published webinar; drafts and cancelled ones only their editors."""
    return webinar.is_published


def may_join(user: User | None, webinar: Webinar) -> bool:
    """The join link is for registered people (not the waiting list) and the editors."""
    if not webinar.join_url or user is None or not getattr(user, "is_authenticated", False):
        return False
    if can_edit(user, webinar):
        return True
    if not webinar.is_published:
        return False
    registration = registration_of(user, webinar)
    return registration is not None and registration.status == RegistrationStatus.REGISTERED
