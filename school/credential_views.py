"""Routes of the login steps beyond the password: recovery codes, TOTP, the new password after
recovery, the one-time reset link, and the guard that keeps an account on those steps until
they are done.

A login goes: the first factor (password at ``/login``, or a recovery code at
``/login/recovery``), then the code from the app at ``/login/code`` when the account has TOTP,
then the session begins. A session begun with a recovery code ends the account's other sessions
and can only choose a new password until it has; an account that ``REQUIRE_TOTP`` obliges to
use a second factor can only set one up. A one-time link from an administrator
(``/account/reset/<token>``) sets a new password and then goes through the same steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from school import credentials, resets, services
from school.extensions import db, limiter
from school.forms import ConfirmPasswordForm, NewPasswordForm, RecoveryLoginForm, TotpCodeForm
from school.models import User
from school.redirects import local_path
from school.throttle import account_limit, client_limit
from school.views_helpers import flash_redirect, no_store, refusals_flashed, save_form

bp = Blueprint("credentials", __name__)

#: How long the code from the app may take after the password, in seconds.
PENDING_SECONDS = 300
#: What a session that must choose a password or set up TOTP may still reach.
OPEN_ENDPOINTS = frozenset(
    {
        "static",
        "credentials.new_password",
        "credentials.reset_password",
        "credentials.two_factor",
        "credentials.recovery_codes",
        "school.logout",
        "school.set_language",
        "school.privacy",
    }
)


def _fresh_session() -> None:
    """Forget everything in the session but the chosen language (no fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin_session(user: User, *, opened: bool = False) -> None:
    """Log ``user`` in with a brand-new session: nothing set before it survives (no fixation).

    ``opened``: the server-side session was already opened (as ``services.sign_up`` does).
    """
    _fresh_session()
    if not opened:
        services.start_session(user)
    login_user(user)
    session.permanent = True


def after_first_factor(user: User, next_path: str | None, *, recovery: bool = False):
    """The response once the password or a recovery code is right: the second step, or in."""
    if not user.has_totp:
        return _log_in(user, next_path, recovery=recovery)
    _fresh_session()
    session["pending_login"] = {
        "user": user.id,
        "next": local_path(next_path) or "",
        "recovery": recovery,
        "since": int(time.time()),
    }
    return redirect(url_for("credentials.second_factor"))


def log_in_with(form, find_user, refusal: str, *, recovery: bool = False):
    """The next step of a login form: when ``form`` is sent and ``find_user()`` gives the account,
    the second factor or the session; else None, with ``refusal`` flashed if the form was sent."""
    if not form.validate_on_submit():
        return None
    user = find_user()
    if user is None:
        flash(refusal, "error")
        return None
    return after_first_factor(user, form.next.data, recovery=recovery)


def _log_in(user: User, next_path: str | None, *, recovery: bool):
    begin_session(user)
    if recovery:
        # Whoever else was in (a stolen cookie, a seized phone) is out from now on.
        services.end_other_sessions(user, keep_token=user.current_session_token)
        session["must_change_password"] = True
        flash(_("You are logged in with a recovery code. Choose a new password now."), "success")
        return redirect(url_for("credentials.new_password"))
    return redirect(local_path(next_path) or url_for("school.home"))


@bp.before_app_request
def _finish_credentials_first():
    if not current_user.is_authenticated or request.endpoint in OPEN_ENDPOINTS:
        return None
    if session.get("must_change_password"):
        return redirect(url_for("credentials.new_password"))
    if credentials.totp_required(current_user) and not current_user.has_totp:
        return redirect(url_for("credentials.two_factor"))
    return None


@bp.route("/login/recovery", methods=["GET", "POST"])
@limiter.limit(lambda: client_limit("LOGIN_LIMITS"), methods=["POST"])
def recovery_login():
    """Log in with a recovery code. No per-account limit applies: a code carries 79 random
    bits, and others' wrong passwords must not keep the owner out."""
    if current_user.is_authenticated:
        return redirect(url_for("school.home"))
    form = RecoveryLoginForm(next=request.args.get("next", ""))
    return log_in_with(
        form,
        lambda: credentials.use_recovery_code(form.username.data, form.code.data),
        _("This code does not open this account. Each code works only once."),
        recovery=True,
    ) or _form_page(form, FORM_PAGES["recovery"])


@dataclass(frozen=True)
class FormPage:
    """The words around a page of one form (``school/one_form.html``)."""

    title: Any
    intro: tuple[Any, ...]
    submit: Any
    autocomplete: dict[str, str]
    outro: tuple[Any, ...] = ()


FORM_PAGES = {
    "recovery": FormPage(
        title=_l("Log in with a recovery code"),
        intro=(
            _l(
                "Forgot your password, or the login is refused for a while? A recovery code lets"
                " you in, and then you choose a new password."
            ),
        ),
        submit=_l("Log in"),
        autocomplete={"username": "username", "code": "off"},
        outro=(_l("Lost the codes as well? An administrator of the site can help."),),
    ),
    "code": FormPage(
        title=_l("Code from the app"),
        intro=(
            _l(
                "This account has two-step login. Open the authenticator app on your phone and"
                " enter the code it shows for this site."
            ),
        ),
        submit=_l("Log in"),
        autocomplete={"code": "one-time-code"},
    ),
    "new_password": FormPage(
        title=_l("Choose a new password"),
        intro=(
            _l(
                "You logged in with a recovery code, and every other session has been logged out."
                " Choose a new password to go on."
            ),
        ),
        submit=_l("Save the password"),
        autocomplete={"password": "new-password"},
    ),
    "reset": FormPage(
        title=_l("Choose a new password"),
        intro=(
            _l(
                "An administrator made this link for you. It works once. The new password logs"
                " out every session of the account, and then you are in."
            ),
        ),
        submit=_l("Save the password"),
        autocomplete={"password": "new-password"},
        outro=(_l("Make new recovery codes in the settings afterwards, if you lost yours."),),
    ),
}


def _form_page(form, page: FormPage):
    return render_template("school/one_form.html", form=form, page=page)


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get("pending_login") or {}
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("user", 0))
    if user is None or not user.is_active_account or not user.has_totp:
        return None, {}
    return user, pending


def _pending_key() -> str:
    return f"totp:{(session.get('pending_login') or {}).get('user', 0)}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_pending_key)
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("school.home"))
    user, pending = _pending_user()
    if user is None:
        session.pop("pending_login", None)
        flash(_("Log in again: the time for the code has run out."), "error")
        return redirect(url_for("school.login"))
    form = TotpCodeForm()
    if form.validate_on_submit():
        if credentials.check_totp(user, form.code.data):
            return _log_in(user, pending.get("next"), recovery=pending.get("recovery", False))
        flash(_("That code is not right. Try the newest code from the app."), "error")
    return _form_page(form, FORM_PAGES["code"])


@bp.route("/account/new-password", methods=["GET", "POST"])
@login_required
def new_password():
    if not session.get("must_change_password"):
        return redirect(url_for("school.settings"))
    form = NewPasswordForm()
    token = current_user.current_session_token
    return save_form(
        form,
        lambda: services.set_password(current_user, form.password.data, keep_token=token),
        _password_chosen,
    ) or _form_page(form, FORM_PAGES["new_password"])


def _password_chosen(_none):
    session.pop("must_change_password", None)
    return flash_redirect(
        _("Password changed. Other sessions have been logged out."), url_for("school.home")
    )


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A new password through a one-time link an administrator made (:mod:`school.resets`)."""
    if resets.user_of(token) is None:
        return no_store(
            render_template(
                "errors/error.html",
                code=404,
                title=_("This link no longer works"),
                message=_(
                    "A reset link works once and for a limited time. Ask an administrator for a"
                    " new one, or log in with a recovery code."
                ),
            ),
            404,
        )
    form = NewPasswordForm()
    done = save_form(form, lambda: resets.use_link(token, form.password.data), _reset_done)
    return done or no_store(_form_page(form, FORM_PAGES["reset"]))


def _reset_done(user: User):
    if current_user.is_authenticated:  # someone's session in this browser: it ends too
        services.end_session(current_user.current_session_token)
        logout_user()
    response = after_first_factor(user, None)
    flash(_("Password changed. Every other session of the account has been logged out."), "success")
    return response


def show_codes(codes: list[str]):
    """Show freshly made recovery codes once, on the next page."""
    session["fresh_recovery_codes"] = codes
    return redirect(url_for("credentials.recovery_codes"))


@bp.get("/account/recovery-codes")
@login_required
def recovery_codes():
    codes = session.pop("fresh_recovery_codes", None)
    return no_store(
        render_template(
            "school/recovery_codes.html",
            codes=codes,
            left=credentials.recovery_codes_left(current_user),
            form=ConfirmPasswordForm(),
        )
    )


@bp.post("/account/recovery-codes")
@login_required
def make_recovery_codes():
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        with refusals_flashed():
            session["fresh_recovery_codes"] = credentials.renew_recovery_codes(
                current_user, form.password.data
            )
    return redirect(url_for("credentials.recovery_codes"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    if current_user.has_totp:
        return render_template(
            "school/two_factor.html",
            form=ConfirmPasswordForm(),
            required=credentials.totp_required(current_user),
        )
    secret = session.get("totp_pending") or credentials.new_totp_secret()
    session["totp_pending"] = secret
    form = TotpCodeForm()
    done = save_form(
        form, lambda: credentials.enable_totp(current_user, secret, form.code.data), _totp_on
    )
    if done:
        return done
    uri = credentials.totp_uri(current_user, secret)
    return no_store(
        render_template(
            "school/two_factor_setup.html",
            form=form,
            secret=secret,
            qr=credentials.qr_svg(uri, _("QR code for the authenticator app")),
            required=credentials.totp_required(current_user),
        )
    )


def _totp_on(_none):
    session.pop("totp_pending", None)
    return flash_redirect(
        _("Two-step login is on. You will be asked for a code at each login."),
        url_for("school.settings"),
    )


@bp.post("/account/two-factor/off")
@login_required
def disable_two_factor():
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        with refusals_flashed():
            credentials.disable_totp(current_user, form.password.data)
            return flash_redirect(_("Two-step login is off."), url_for("school.settings"))
    return redirect(url_for("credentials.two_factor"))
