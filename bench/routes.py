"""Every page: each HTML route of the application, opened as the demo admin (who may open
them all) with its arguments pointing at the largest object of its kind, in-process with the
page cache off. Swept once over the demo data and once at scale, so a page whose statements
grow with the data shows as two different counts.

Downloads (PDFs, calendars, feeds, archives, CSV), redirects kept for old addresses and
``/static`` are not pages and are left out; so is any route whose arguments the sweep cannot
fill, which the report names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.report import Figure, below, percentile

SECTION = "Every page"
ROUNDS = 10
NOT_PAGES = (".pdf", ".ics", ".zip", ".csv", ".json", ".gift", ".atom")
# Old addresses that answer with a redirect; and routes that are not pages.
SKIPPED_ENDPOINTS = {"static", "school.healthz", "courses.moved_lookup", "courses.moved_verify"}
# Pages that only make sense for a person in the middle of something (a login's second step,
# a password reset); they redirect the demo admin elsewhere.
NOT_FOR_ADMIN = {"credentials.second_factor", "credentials.new_password"}


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str


def _largest(model_column, group_column):
    """The value of ``model_column``'s row that has the most rows grouped by ``group_column``."""
    from school.extensions import db

    counted = (
        select(group_column, func.count().label("n"))
        .group_by(group_column)
        .order_by(func.count().desc(), group_column)
        .limit(1)
    )
    row = db.session.execute(counted).first()
    return row[0] if row else db.session.scalar(select(model_column).limit(1))


def _choices() -> dict[str, Callable[[], dict]]:
    """Per endpoint prefix or argument name, the arguments of the biggest object."""
    from brochures.models import Brochure, Edition
    from courses.models import Certificate, Course, Item, Module
    from finance.models import Entry, EntryRevision, Topic, entry_topics
    from quizzes.models import Attempt, Question, Quiz
    from school.extensions import db
    from school.models import PostalReader
    from webinars.models import WebinarRegistration

    def one(statement):
        return db.session.scalar(statement)

    def quiz() -> dict:
        quiz_id = _largest(Quiz.id, Attempt.quiz_id)
        question = one(select(Question.id).where(Question.quiz_id == quiz_id).limit(1))
        attempt = one(select(Attempt.id).where(Attempt.quiz_id == quiz_id).limit(1))
        item = one(select(Quiz.item_id).where(Quiz.id == quiz_id))
        return {"quiz_id": quiz_id, "question_id": question, "attempt_id": attempt,
                "item_id": item, "kind": "single"}  # fmt: skip

    def course() -> dict:
        course_id = _largest(Course.id, Module.course_id)
        slug = one(select(Course.slug).where(Course.id == course_id))
        module = one(select(Module.id).where(Module.course_id == course_id).limit(1))
        item = one(select(Item.id).where(Item.module_id == module).limit(1))
        code = one(select(Certificate.code).limit(1))
        return {"slug": slug, "module_id": module, "item_id": item, "code": code}

    def finance() -> dict:
        entry_id = _largest(Entry.id, EntryRevision.entry_id)
        topic_id = _largest(Topic.id, entry_topics.c.topic_id)
        return {
            "entry_id": entry_id,
            "number": 1,
            "topic_id": topic_id,
            "slug_entry": one(select(Entry.slug).where(Entry.id == entry_id)),
            "slug_topic": one(select(Topic.slug).where(Topic.id == topic_id)),
        }

    def brochure() -> dict:
        brochure_id = _largest(Brochure.id, Edition.brochure_id)
        number = one(select(func.max(Edition.number)).where(Edition.brochure_id == brochure_id))
        slug = one(select(Brochure.slug).where(Brochure.id == brochure_id))
        return {"brochure_id": brochure_id, "slug": slug, "number": number or 1}

    def webinar() -> dict:
        return {"webinar_id": _largest(WebinarRegistration.webinar_id,
                                       WebinarRegistration.webinar_id)}  # fmt: skip

    def readers() -> dict:
        return {"reader_id": one(select(PostalReader.id).limit(1))}

    return {"quizzes.": quiz, "courses.": course, "finance.": finance,
            "brochures.": brochure, "webinars.": webinar, "readers.": readers}  # fmt: skip


def pages(app) -> tuple[list[Page], list[str]]:
    """The pages to open, and the routes left out because their arguments are unknown."""
    from school.extensions import db

    with app.test_request_context("/"):
        from flask import url_for

        chosen: dict[str, dict] = {}
        for prefix, choose in _choices().items():
            chosen[prefix] = choose()
        db.session.remove()
        found, unknown = [], []
        rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for rule in rules:
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            if rule.rule.endswith(NOT_PAGES) or ".moved_" in rule.endpoint:
                continue
            if rule.endpoint in NOT_FOR_ADMIN or "token" in rule.arguments:
                continue
            prefix = rule.endpoint.split(".")[0] + "."
            values = dict(chosen.get(prefix, {}))
            if prefix == "finance.":
                kind = "slug_topic" if "topic" in rule.endpoint else "slug_entry"
                values["slug"] = values.get(kind)
            args = {name: values.get(name) for name in rule.arguments}
            if any(value is None for value in args.values()):
                unknown.append(rule.endpoint)
                continue
            found.append(Page(rule.endpoint, url_for(rule.endpoint, **args)))
    return found, unknown


def sweep(app, login: tuple[str, str], rounds: int = ROUNDS) -> dict[str, tuple]:
    """``{endpoint: (timings, statements, bytes, status, path)}`` for every page, logged in
    as ``login`` (username, password)."""
    from bench.scale import logged_in, measure

    found, _ = pages(app)
    client = logged_in(app, *login)
    results = measure(app, {p.endpoint: p.path for p in found}, rounds=rounds, client=client)
    paths = {p.endpoint: p.path for p in found}
    return {name: (*result, paths[name]) for name, result in results.items()}


def figures(small: dict[str, tuple], large: dict[str, tuple], data: str) -> list[Figure]:
    """The slowest and the largest page at scale, and every page whose statements differ."""
    out = []
    # A page that redirects the admin (the login form, for one) is timed but has no size.
    answered = {name: r for name, r in large.items() if r[3] == 200}
    p95 = {name: percentile(r[0], 95) for name, r in answered.items()}
    slowest = max(p95, key=p95.get)
    over = sorted(name for name, value in p95.items() if value >= 150)
    where = f"{slowest} {answered[slowest][4]}; {len(answered)} pages; {data}"
    out.append(Figure(SECTION, "Slowest page: p95", p95[slowest], "ms",
                      below(150, "p95 < 150 ms"), where))  # fmt: skip
    out.append(Figure(SECTION, "Pages with p95 ≥ 150 ms", len(over), "", below(1, "none"),
                      ", ".join(over) or "none"))  # fmt: skip
    largest = max(answered, key=lambda name: answered[name][2])
    out.append(Figure(SECTION, "Largest page", answered[largest][2] / 1024, "KB",
                      below(150, "< 150 KB"), largest))  # fmt: skip
    grown = sorted(
        f"{name} {small[name][1]}→{large[name][1]}"
        for name in answered
        if name in small and small[name][1] != large[name][1]
    )
    out.append(Figure(SECTION, "Pages whose statements grew with the data", len(grown), "",
                      below(1, "none"), "; ".join(grown) or "none"))  # fmt: skip
    failed = sorted(f"{name} HTTP {r[3]}" for name, r in large.items() if r[3] >= 400)
    if failed:
        out.append(Figure(SECTION, "Pages that did not answer 200", len(failed), "",
                          below(1, "none"), "; ".join(failed)))  # fmt: skip
    return out
