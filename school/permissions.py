"""Role checks and per-object permission rules.

Feature packages register a rule for each of their model classes; an object with no rule is
editable by admins only (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from school.models import Role, User

Rule = Callable[[User, Any], bool]
_edit_rules: dict[type, Rule] = {}
_view_rules: dict[type, Rule] = {}


def _lookup(rules: dict[type, Rule], obj: Any) -> Rule | None:
    for cls in type(obj).__mro__:
        if cls in rules:
            return rules[cls]
    return None


def edit_rule(cls: type) -> Callable[[Rule], Rule]:
    """Register who may edit objects of ``cls`` (admins always may)."""

    def decorator(fn: Rule) -> Rule:
        _edit_rules[cls] = fn
        return fn

    return decorator


def view_rule(cls: type) -> Callable[[Rule], Rule]:
    """Register who may see objects of ``cls`` (editors and admins always may)."""

    def decorator(fn: Rule) -> Rule:
        _view_rules[cls] = fn
        return fn

    return decorator


def rules_follow(cls: type, parent: Callable[[Any], Any]) -> None:
    """Objects of ``cls`` (a module, a lesson) may be edited and seen by whoever may edit and
    see ``parent(obj)`` (its course)."""
    _edit_rules[cls] = lambda user, obj: can_edit(user, parent(obj))
    _view_rules[cls] = lambda user, obj: can_view(user, parent(obj))


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_edit(user: User | None, obj: Any) -> bool:
    """May ``user`` change ``obj``?"""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    rule = _lookup(_edit_rules, obj)
    return bool(rule and rule(user, obj))


def can_view(user: User | None, obj: Any) -> bool:
    """May ``user`` (possibly anonymous) see ``obj``?"""
    if can_edit(user, obj):
        return True
    rule = _lookup(_view_rules, obj)
    return bool(rule and rule(user if _authenticated(user) else None, obj))


def require_edit(obj: Any) -> Any:
    """Abort with 403 unless the current user may edit ``obj``; return it otherwise."""
    if not can_edit(current_user, obj):
        abort(403)
    return obj


def require_view(obj: Any) -> Any:
    """Abort with 404 unless the current user may see ``obj`` (hides its existence)."""
    if not can_view(current_user, obj):
        abort(404)
    return obj


def has_role(user: User | None, *roles: Role | str) -> bool:
    return _authenticated(user) and user.has_role(*roles)


def role_required(*roles: Role | str) -> Callable:
    """View decorator: log in first, then hold one of ``roles`` (admins pass every check)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from school.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
