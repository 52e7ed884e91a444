"""Small pieces every feature's views use: not found, pages kept from caches, refusals on forms,
saving a form, move buttons, the "really delete?" page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import abort, flash, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from school.refusal import Refusal
from school.reorder import DIRECTIONS

T = TypeVar("T")


def or_404(obj: T | None) -> T:
    """``obj``, or a 404 when there is none."""
    if obj is None:
        abort(404)
    return obj


def no_store(html: str, status: int = 200):
    """A page with a secret on it (codes, a key, a reset link): never stored by any cache."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(form, refusal: Refusal) -> None:
    """Show a refusal's messages next to their form fields, the others as flash messages.

    A message of several lines (an import's list of problems) gives one error per line.
    """
    for name, messages in refusal.errors.items():
        field = getattr(form, name, None) if (form is not None and name) else None
        lines = [line for message in messages for line in str(message).split("\n") if line]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *lines]
        else:
            for line in lines:
                flash(line, "error")


def save_form(
    form, save: Callable[[], T], then: Callable[[T], ResponseReturnValue]
) -> ResponseReturnValue | None:
    """The usual POST of a form: when ``form`` validates, ``save()``, then answer ``then(result)``.

    None when there is nothing to answer yet: the form was not sent, did not validate, or the
    save was refused (its messages are then on the form, see :func:`refuse`), so the caller
    shows the form again: ``return save_form(...) or render_template(...)``.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except Refusal as error:
        refuse(form, error)
        return None
    return then(result)


def field_data(form, *names: str) -> dict[str, Any]:
    """The data of the fields ``names`` of ``form``, by name: a service's keyword arguments."""
    return {name: form[name].data for name in names}


def flash_redirect(message: Any, url: str, category: str = "success") -> ResponseReturnValue:
    """Flash ``message`` and redirect to ``url``: the answer to a form that did its work."""
    flash(str(message), category)
    return redirect(url)


F = TypeVar("F")


def submitted_or_400(form: F) -> F:
    """``form``, sent with a POST and valid (its CSRF token, as a rule), or a bad request."""
    if not form.validate_on_submit():
        abort(400)
    return form


@contextmanager
def refusals_flashed() -> Iterator[None]:
    """Show a refusal raised in the block as an error message; the request goes on after it.

    What follows the refused call in the block (its success message) is skipped.
    """
    try:
        yield
    except Refusal as error:
        flash(str(error.message), "error")


def requested_direction() -> str:
    """The "up" or "down" of a move button; any other value is a bad request."""
    direction = request.form.get("direction", "")
    if direction not in DIRECTIONS:
        abort(400)
    return direction


def confirm_delete(
    *,
    title: Any,
    consequence: Any,
    cancel: str,
    delete: Callable[[], None],
    done: Any,
    then: str,
    template: str = "school/confirm_delete.html",
    **context: Any,
):
    """The "really delete?" pattern: a page that says what will go, and a POST that deletes.

    GET shows ``template`` (the shared page, or a feature's page extending it) with ``title``,
    ``consequence`` and a ``cancel`` link; a valid POST calls ``delete``, flashes ``done`` and
    redirects to ``then``.
    """
    from school.forms import EmptyForm

    form = EmptyForm()
    if form.validate_on_submit():
        delete()
        flash(str(done), "success")
        return redirect(then)
    return render_template(
        template, form=form, title=title, consequence=consequence, cancel=cancel, **context
    )
