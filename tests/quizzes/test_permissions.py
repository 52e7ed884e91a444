"""Who may see and do what: students see only their own attempts (404 for others, even by
guessing the address), only the course's editors manage the quiz, drafts are hidden."""

from __future__ import annotations

import re

import pytest

from quizzes import services
from quizzes.models import Attempt, Quiz
from school.extensions import db
from tests.conftest import PASSWORD

EDITOR_PAGES = [
    "/quizzes/{quiz}/settings",
    "/quizzes/{quiz}/questions",
    "/quizzes/{quiz}/questions/new/single",
    "/quizzes/{quiz}/questions/{question}",
    "/quizzes/{quiz}/questions/{question}/delete",
    "/quizzes/{quiz}/import",
    "/quizzes/{quiz}/export.gift",
    "/quizzes/{quiz}/results",
    "/quizzes/{quiz}/results.csv",
    "/quizzes/{quiz}/statistics",
    "/quizzes/{quiz}/paper.pdf",
    "/quizzes/{quiz}/answer-key.pdf",
]
EDITOR_POSTS = [
    "/quizzes/{quiz}/settings",
    "/quizzes/{quiz}/questions/new/truefalse",
    "/quizzes/{quiz}/questions/{question}",
    "/quizzes/{quiz}/questions/{question}/move",
    "/quizzes/{quiz}/questions/{question}/delete",
    "/quizzes/{quiz}/import",
    "/quizzes/{quiz}/import/confirm",
]


@pytest.fixture
def scene(make_quiz, student):
    setup = make_quiz()
    owner = student(setup)
    attempt = services.start_attempt(setup.quiz, owner)
    return setup, owner, attempt


def _urls(templates, setup, attempt):
    question = setup.quiz.questions[0].id
    return [t.format(quiz=setup.quiz.id, question=question, attempt=attempt.id) for t in templates]


def test_another_student_cannot_reach_an_attempt_by_its_address(scene, student, login):
    setup, owner, attempt = scene
    intruder = login(user=student(setup))
    assert intruder.get(f"/quizzes/attempts/{attempt.id}").status_code == 404
    assert intruder.post(f"/quizzes/attempts/{attempt.id}/save", data={}).status_code == 404
    assert intruder.post(f"/quizzes/attempts/{attempt.id}/submit", data={}).status_code == 404
    assert intruder.post(f"/quizzes/attempts/{attempt.id}/delete").status_code == 404
    # The same answer as for an attempt that does not exist.
    assert intruder.get("/quizzes/attempts/999999").status_code == 404
    assert db.session.get(Attempt, attempt.id).state == "in_progress"

    services.submit_attempt(db.session.get(Attempt, attempt.id), {})
    assert intruder.get(f"/quizzes/attempts/{attempt.id}").status_code == 404
    assert login(user=owner).get(f"/quizzes/attempts/{attempt.id}").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(scene, client):
    setup, _owner, attempt = scene
    assert client.get(f"/quizzes/{setup.quiz.id}/").status_code == 200
    response = client.get(f"/quizzes/attempts/{attempt.id}")
    assert response.status_code == 302 and "/login" in response.location
    response = client.post(f"/quizzes/{setup.quiz.id}/start")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get(f"/quizzes/{setup.quiz.id}/questions").status_code == 403


def test_students_and_other_instructors_cannot_edit(scene, login):
    setup, owner, attempt = scene
    delete = f"/quizzes/attempts/{attempt.id}/delete"
    # The student may see the attempt but not delete it; to the others it does not exist.
    clients = [(login(user=owner), 403), (login("instructor"), 404), (login("staff"), 404)]
    for client, refusal in clients:
        for url in _urls(EDITOR_PAGES, setup, attempt):
            assert client.get(url).status_code == 403, url
        for url in _urls(EDITOR_POSTS, setup, attempt):
            assert client.post(url, data={}).status_code == 403, url
        assert client.post(delete, data={}).status_code == refusal
    quiz = db.session.get(Quiz, setup.quiz.id)
    assert len(quiz.questions) == 6
    assert db.session.get(Attempt, attempt.id) is not None


def test_the_course_editors_and_admins_manage_the_quiz(scene, login):
    setup, _owner, attempt = scene
    for client in (login(user=setup.instructor), login("admin")):
        # The PDFs are fetched by the (slow) paper tests; here only the pages.
        for url in _urls(EDITOR_PAGES, setup, attempt):
            if not url.endswith(".pdf"):
                assert client.get(url).status_code == 200, url
        # Editors review any attempt of their quiz.
        assert client.get(f"/quizzes/attempts/{attempt.id}").status_code == 200
        # ...but never answer in a student's name.
        assert client.post(f"/quizzes/attempts/{attempt.id}/submit").status_code == 404


def test_an_unpublished_course_hides_its_quiz(make_quiz, student, login, client):
    setup = make_quiz(published=False)
    learner = student(setup)
    url = f"/quizzes/{setup.quiz.id}/"
    assert client.get(url).status_code == 404
    assert login(user=learner).get(url).status_code == 404
    assert login(user=learner).post(f"/quizzes/{setup.quiz.id}/start").status_code == 404
    assert login(user=setup.instructor).get(url).status_code == 200


def test_an_editor_may_delete_an_attempt(scene, login):
    setup, _owner, attempt = scene
    client = login(user=setup.instructor)
    response = client.post(f"/quizzes/attempts/{attempt.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0


def test_csrf_protects_starting_and_submitting(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    make_quiz = request.getfixturevalue("make_quiz")
    student = request.getfixturevalue("student")
    setup = make_quiz()
    user = student(setup)
    attempt = services.start_attempt(setup.quiz, user)
    client = request.getfixturevalue("app").test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    login = {"username": user.username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    assert client.post(f"/quizzes/attempts/{attempt.id}/submit", data={}).status_code == 400
    assert client.post(f"/quizzes/{setup.quiz.id}/start", data={}).status_code == 400
    assert db.session.get(Attempt, attempt.id).state == "in_progress"


def test_the_whole_attempt_works_with_csrf_tokens_from_the_pages(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    setup = request.getfixturevalue("make_quiz")()
    user = request.getfixturevalue("student")(setup)
    client = request.getfixturevalue("app").test_client()

    def token(url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)

    login = {"username": user.username, "password": PASSWORD, "csrf_token": token("/login")}
    assert client.post("/login", data=login).status_code == 302
    started = client.post(
        f"/quizzes/{setup.quiz.id}/start", data={"csrf_token": token(f"/quizzes/{setup.quiz.id}/")}
    )
    assert started.status_code == 302 and "/quizzes/attempts/" in started.location
    attempt_url = started.location
    response = client.post(f"{attempt_url}/save", data={"csrf_token": token(attempt_url)})
    assert response.status_code == 302
    # Nothing answered: submitting first shows what is missing, then "submit anyway".
    summary = client.post(f"{attempt_url}/submit", data={"csrf_token": token(attempt_url)})
    assert summary.status_code == 200
    page = summary.get_data(as_text=True)
    anyway = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(f"{attempt_url}/submit", data={"csrf_token": anyway, "saved": "1"})
    assert response.status_code == 302
    (attempt,) = db.session.scalars(db.select(Attempt)).all()
    assert attempt.state == "submitted"
