"""Routes of the core: home, accounts, settings, language, user administration."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, logout_user

from school import account_events, health, hooks, resets, services
from school.config import LANGUAGES
from school.credential_views import begin_session, log_in_with, show_codes
from school.downloads import private_attachment
from school.extensions import db, limiter, login_manager
from school.forms import (
    DeleteAccountForm,
    EmptyForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    RoleForm,
    SettingsForm,
    id_number,
)
from school.i18n import select_timezone
from school.models import Role, User
from school.pagecache import public_page
from school.permissions import role_required
from school.redirects import local_path
from school.throttle import account_limit, client_limit
from school.views_helpers import (
    flash_redirect,
    no_store,
    or_404,
    refusals_flashed,
    refuse,
    save_form,
)

bp = Blueprint("school", __name__)


def safe_next(target: str | None, default: str = "school.home") -> str:
    """A path on this site to go back to, or the default page (:mod:`school.redirects`)."""
    return local_path(target) or url_for(default)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    lifetime = timedelta(days=current_app.config["SESSION_LIFETIME_DAYS"])
    return services.load_session(token, lifetime)


def _account_key() -> str:
    return "account:" + services.username_key(request.form.get("username", ""))


def _login_limit() -> str:
    return client_limit("LOGIN_LIMITS")


def _register_limit() -> str:
    return client_limit("REGISTER_LIMITS")


@bp.get("/")
@public_page
def home():
    panels = []
    if current_user.is_authenticated:
        for _name, panel in sorted(hooks.home_panels.items()):
            panels.extend(panel(current_user) or [])
    sections = hooks.rendered(hooks.home_sections)
    return render_template("school/home.html", panels=panels, sections=sections)


@bp.get("/healthz")
def healthz():
    """The database's and Redis's state for monitoring: 200 when all answer, else 503."""
    state = health.report()
    response = jsonify(state)
    response.status_code = 200 if state["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/privacy")
def privacy():
    config = current_app.config
    return render_template(
        "school/privacy.html",
        notification_days=int(config["NOTIFICATIONS_KEEP_DAYS"]),
        registration_days=int(config["REGISTRATIONS_KEEP_DAYS"]),
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("school.home"))
    form = LoginForm(next=request.args.get("next", ""))
    return log_in_with(
        form,
        lambda: services.authenticate(form.username.data, form.password.data),
        _("Wrong username or password."),
    ) or render_template("school/login.html", form=form)


def _registration_counted(response) -> bool:
    """Only a registration that passed the form's checks counts towards the limit: a person who
    mistyped four times still gets the account on the fifth try."""
    return bool(g.get("registration_attempted"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"], deduct_when=_registration_counted)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("school.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        g.registration_attempted = True
        try:
            user, codes = services.sign_up(
                form.username.data,
                form.password.data,
                display_name=form.display_name.data,
            )
        except services.AccountError as error:
            refuse(form, error)
        else:
            begin_session(user, opened=True)
            flash(_("Welcome! Your account is ready."), "success")
            return show_codes(codes)
    return render_template("school/register.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user.current_session_token)
        logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("school.home"))


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/account/", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or session.get("lang") or "ru"
        form.timezone.data = current_user.timezone or select_timezone()
    if form.validate_on_submit():
        services.update_settings(
            current_user,
            display_name=form.display_name.data,
            locale=form.locale.data,
            timezone=form.timezone.data,
        )
        session["lang"] = form.locale.data
        refresh()  # the confirmation below is in the language just chosen
        flash(_("Settings saved."), "success")
        return redirect(url_for("school.settings"))
    return _settings_page(form, PasswordChangeForm())


def _settings_page(form: SettingsForm, password_form: PasswordChangeForm) -> str:
    from school.notification_views import kinds_form

    return render_template(
        "school/settings.html",
        form=form,
        password_form=password_form,
        logout_form=EmptyForm(),
        kinds_form=kinds_form(),
    )


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    done = save_form(
        form,
        lambda: services.change_password(
            current_user, form.current_password.data, form.password.data
        ),
        lambda _none: flash_redirect(
            _("Password changed. Other sessions have been logged out."), url_for("school.settings")
        ),
    )
    if done:
        return done
    return _settings_page(SettingsForm(obj=current_user), form), 400


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    services.end_other_sessions(current_user, keep_token=current_user.current_session_token)
    flash(_("All other sessions have been logged out."), "success")
    return redirect(url_for("school.settings"))


@bp.get("/account/export")
@login_required
def export_data():
    data = services.export_user_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return private_attachment(body, f"{current_user.username_key}-data.json", "application/json")


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    return save_form(
        form, lambda: services.delete_account(current_user, form.password.data), _deleted
    ) or render_template("school/delete_account.html", form=form)


def _deleted(_none):
    logout_user()
    session.clear()
    return flash_redirect(
        _("Your account and personal data have been deleted."), url_for("school.home")
    )


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def admin_users():
    page = request.args.get("page", 1, type=id_number)
    query = request.args.get("q", "", type=str)[:40]
    pagination = services.list_users(page, query=query)
    return render_template(
        "school/admin_users.html",
        pagination=pagination,
        query=query,
        role_form=RoleForm(),
        action_form=EmptyForm(),
    )


@bp.post("/admin/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def admin_set_role(user_id: int):
    user = or_404(db.session.get(User, user_id))
    form = RoleForm()
    if not form.validate_on_submit():
        return flash_redirect(
            _("Choose one of the listed roles."), url_for("school.admin_users"), "error"
        )
    with refusals_flashed():
        services.set_role(current_user, user, form.role.data)
        flash(_("Role of %(name)s changed.", name=user.username), "success")
    return redirect(url_for("school.admin_users"))


@bp.post("/admin/users/<int:user_id>/active")
@role_required(Role.ADMIN)
def admin_set_active(user_id: int):
    user = or_404(db.session.get(User, user_id))
    active = request.form.get("active") == "1"
    with refusals_flashed():
        services.set_active(current_user, user, active)
        if active:
            flash(_("%(name)s can log in again.", name=user.username), "success")
        else:
            flash(_("%(name)s has been deactivated.", name=user.username), "success")
    return redirect(url_for("school.admin_users"))


@bp.route("/admin/users/<int:user_id>/reset-link", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_reset_link(user_id: int):
    """A one-time password-reset link for someone who lost the password and the codes: shown
    once, on the answer to the POST that made it (:mod:`school.resets`)."""
    user = or_404(db.session.get(User, user_id))
    form = EmptyForm()
    link = None
    if form.validate_on_submit():
        with refusals_flashed():
            link = resets.issue_link(user, actor=current_user)
    page = render_template(
        "school/admin_reset_link.html",
        user=user,
        form=form,
        link=link,
        hours=max(1, round(resets.lifetime().total_seconds() / 3600)),
        events=account_events.events_of(user),
        labels=account_events.EVENT_LABELS,
    )
    return no_store(page)
