"""Quiz use cases: settings, the question bank, GIFT import/export, attempts and grading,
results and statistics.

Functions that change data own their transaction and commit, except the course item kind's
hooks (:mod:`quizzes.kind`), which run inside the courses package's transactions. The modules,
by use case:

- :mod:`.lookup`: finding quizzes, questions and attempts;
- :mod:`.settings`: quiz settings, from the form and the course bundle's front matter;
- :mod:`.bank`: the question bank;
- :mod:`.gift_files`: GIFT files in and out;
- :mod:`.attempts`: starting, saving and submitting attempts, time limits, the grade;
- :mod:`.pages`: what the student's pages show: attempt, review, status, numbers;
- :mod:`.gradebook`: the results table and its CSV;
- :mod:`.analysis`: the statistics report;
- :mod:`.essays`: the grading queue and the marks of essays;
- :mod:`.overrides`: a student's own time limit, attempts and closing time;
- :mod:`.accounts`: a user's attempts for the account export and erasure;
- :mod:`._common`: the refusal, the quiz lock and the decimal separator the others share.

Callers use the names below: ``from quizzes import services; services.start_attempt(...)``.
"""

from quizzes.services._common import QuizError
from quizzes.services.accounts import erase_user, export_user, forget_attempts
from quizzes.services.analysis import OptionRow, QuestionReport, StatisticsReport, statistics_report
from quizzes.services.attempts import (
    DEFAULT_GRACE_SECONDS,
    Overview,
    SaveOutcome,
    attempts_left,
    attempts_of,
    deadline_of,
    delete_attempt,
    finish_if_overdue,
    finish_overdue_attempts,
    grace,
    grade_of,
    in_time,
    is_closed,
    is_enrolled,
    overview,
    passes,
    save_responses,
    start_attempt,
    start_refusal,
    submit_attempt,
)
from quizzes.services.bank import (
    MAX_QUESTIONS,
    add_question,
    delete_question,
    move_question,
    replace_questions,
    update_question,
)
from quizzes.services.essays import (
    EssayToGrade,
    essays_of,
    grade_essays,
    grading_queue,
)
from quizzes.services.gift_files import (
    MAX_GIFT_BYTES,
    GiftImportError,
    decode_gift,
    export_gift,
    import_gift,
    parse_for_import,
)
from quizzes.services.gradebook import (
    RESULTS_PER_PAGE,
    ResultRow,
    attempts_by_user,
    csv_cell,
    results,
    results_csv,
    results_page,
)
from quizzes.services.lookup import (
    get_attempt,
    get_question,
    get_quiz,
    question_count,
    quiz_for_item,
)
from quizzes.services.overrides import Limits, limits_for, override_of, set_override
from quizzes.services.pages import (
    AttemptPage,
    ReviewItem,
    answers_public,
    answers_visible,
    attempt_page,
    correct_answers,
    next_item,
    number_text,
    percent_text,
    record_visit,
    review,
    score_text,
    status_label,
)
from quizzes.services.settings import (
    FRONT_MATTER_KEYS,
    MAX_ATTEMPTS_LIMIT,
    MAX_TIME_LIMIT_MINUTES,
    Settings,
    check_settings,
    front_matter,
    settings_from_front_matter,
    update_settings,
)

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "FRONT_MATTER_KEYS",
    "MAX_ATTEMPTS_LIMIT",
    "MAX_GIFT_BYTES",
    "MAX_QUESTIONS",
    "MAX_TIME_LIMIT_MINUTES",
    "RESULTS_PER_PAGE",
    "AttemptPage",
    "EssayToGrade",
    "GiftImportError",
    "Limits",
    "OptionRow",
    "Overview",
    "QuestionReport",
    "QuizError",
    "ResultRow",
    "ReviewItem",
    "SaveOutcome",
    "Settings",
    "StatisticsReport",
    "add_question",
    "answers_public",
    "answers_visible",
    "attempt_page",
    "attempts_by_user",
    "attempts_left",
    "attempts_of",
    "check_settings",
    "correct_answers",
    "csv_cell",
    "deadline_of",
    "decode_gift",
    "delete_attempt",
    "delete_question",
    "erase_user",
    "essays_of",
    "export_gift",
    "export_user",
    "finish_if_overdue",
    "finish_overdue_attempts",
    "forget_attempts",
    "front_matter",
    "get_attempt",
    "get_question",
    "get_quiz",
    "grace",
    "grade_essays",
    "grade_of",
    "grading_queue",
    "import_gift",
    "in_time",
    "is_closed",
    "is_enrolled",
    "limits_for",
    "move_question",
    "next_item",
    "number_text",
    "override_of",
    "overview",
    "parse_for_import",
    "passes",
    "percent_text",
    "question_count",
    "quiz_for_item",
    "record_visit",
    "replace_questions",
    "results",
    "results_csv",
    "results_page",
    "review",
    "save_responses",
    "score_text",
    "set_override",
    "settings_from_front_matter",
    "start_attempt",
    "start_refusal",
    "statistics_report",
    "status_label",
    "submit_attempt",
    "update_question",
    "update_settings",
]
