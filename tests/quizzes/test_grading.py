import json
import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.grading import (
    GradeState,
    correct_answer_text,
    correct_response,
    grade,
    grade_quiz,
    normalize_answer,
    parse_number,
    shuffled_order,
)
from quizzes.questions import (
    QUESTION_TYPES,
    Answer,
    BaseQuestion,
    Choice,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    QuestionError,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TextFormat,
    TrueFalseQuestion,
    question_from_dict,
)

FAST = settings(max_examples=30, deadline=None)

# --- strategies (also used by test_gift) -----------------------------------------------------

ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЖЯabcxyzXYZ0123456789 \t\n\r~=#{}:\\%->[]$/.,!?*"
CATEGORY_ALPHABET = "абвгдеёжАБВ abcXYZ0123/$_-:"


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    """Non-empty text, already in the normalised form the model stores."""
    return st.text(ALPHABET, min_size=1, max_size=max_size).map(_clean).filter(bool)


def optional_texts() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), texts())


weights = st.floats(-100, 100, allow_nan=False)
positive_weights = st.floats(0, 100, allow_nan=False)
numbers = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def common_fields(draw, *, any_mark: bool = False) -> dict:
    text = draw(st.one_of(texts(20), st.just("")))
    text_after = draw(texts() if not text else optional_texts())
    return {
        "text": text,
        "text_after": text_after,
        "title": draw(optional_texts()),
        "text_format": draw(st.sampled_from(TextFormat)),
        "general_feedback": draw(optional_texts()),
        "category": draw(st.text(CATEGORY_ALPHABET, max_size=12).map(str.strip)),
        "default_mark": draw(st.floats(0.5, 10)) if any_mark else 1.0,
    }


@st.composite
def single_questions(draw, any_mark: bool = False) -> SingleChoiceQuestion:
    others = draw(st.lists(st.tuples(texts(), weights, optional_texts()), min_size=1, max_size=4))
    right = (draw(texts()), 100.0, draw(optional_texts()))
    position = draw(st.integers(0, len(others)))
    rows = [*others[:position], right, *others[position:]]
    return SingleChoiceQuestion(
        **draw(common_fields(any_mark=any_mark)), choices=[Choice(*row) for row in rows]
    )


@st.composite
def multiple_questions(draw, any_mark: bool = False) -> MultipleChoiceQuestion:
    raw = draw(st.lists(st.floats(1, 100), min_size=1, max_size=4))
    positives = [min(100.0, 100 * value / math.fsum(raw)) for value in raw]
    negatives = draw(st.lists(st.floats(-100, 0), max_size=3))
    chosen_weights = draw(st.permutations(positives + negatives))
    if len(chosen_weights) < 2:
        chosen_weights = [*chosen_weights, 0.0]
    choices = [Choice(draw(texts()), w, draw(optional_texts())) for w in chosen_weights]
    return MultipleChoiceQuestion(**draw(common_fields(any_mark=any_mark)), choices=choices)


@st.composite
def truefalse_questions(draw, any_mark: bool = False) -> TrueFalseQuestion:
    return TrueFalseQuestion(
        **draw(common_fields(any_mark=any_mark)),
        answer=draw(st.booleans()),
        right_feedback=draw(optional_texts()),
        wrong_feedback=draw(optional_texts()),
    )


@st.composite
def short_questions(draw, any_mark: bool = False) -> ShortAnswerQuestion:
    others = draw(st.lists(st.tuples(texts(), positive_weights, optional_texts()), max_size=3))
    right = (draw(texts()), 100.0, draw(optional_texts()))
    rows = [right, *others] if draw(st.booleans()) else [*others, right]
    return ShortAnswerQuestion(
        **draw(common_fields(any_mark=any_mark)), answers=[Answer(*row) for row in rows]
    )


@st.composite
def numeric_answers(draw, weight: st.SearchStrategy[float]) -> NumericAnswer:
    feedback = draw(optional_texts())
    if draw(st.booleans()):
        low, high = sorted([draw(numbers), draw(numbers)])
        return NumericAnswer.between(low, high, draw(weight), feedback)
    tolerance = draw(st.one_of(st.just(0.0), st.floats(0, 1000)))
    return NumericAnswer(draw(numbers), tolerance, draw(weight), feedback)


@st.composite
def numeric_questions(draw, any_mark: bool = False) -> NumericQuestion:
    others = draw(st.lists(numeric_answers(positive_weights), max_size=3))
    right = draw(numeric_answers(st.just(100.0)))
    return NumericQuestion(
        **draw(common_fields(any_mark=any_mark)),
        answers=[*others, right] if draw(st.booleans()) else [right, *others],
        other_feedback=draw(optional_texts()),
    )


@st.composite
def matching_questions(draw, any_mark: bool = False) -> MatchingQuestion:
    lefts = draw(st.lists(texts(), min_size=2, max_size=5, unique=True))
    rights = draw(st.lists(texts(), min_size=1, max_size=len(lefts)))
    pairs = [MatchPair(left, draw(st.sampled_from(rights))) for left in lefts]
    used = {pair.right for pair in pairs}
    extra = draw(st.lists(texts().filter(lambda t: t not in used), max_size=2, unique=True))
    return MatchingQuestion(
        **draw(common_fields(any_mark=any_mark)), pairs=pairs, distractors=extra
    )


QUESTION_STRATEGIES = {
    "single": single_questions,
    "multiple": multiple_questions,
    "truefalse": truefalse_questions,
    "short": short_questions,
    "numeric": numeric_questions,
    "matching": matching_questions,
}


def questions(any_mark: bool = False) -> st.SearchStrategy:
    return st.one_of(*(make(any_mark=any_mark) for make in QUESTION_STRATEGIES.values()))


responses = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["3,14", "−2", "1 000", "1e999", "nan", "inf", "0x10", "1,5,6"]),
    st.lists(st.integers(-3, 10), max_size=6),
    st.frozensets(st.integers(-3, 10), max_size=6),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.integers(-2, 6), st.integers(-2, 6), max_size=6),
    st.dictionaries(st.text("0123456789x", max_size=2), st.text("0123456789", max_size=2)),
)


# --- properties ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", QUESTION_STRATEGIES)
@FAST
@given(data=st.data())
def test_any_response_scores_between_zero_and_max(kind, data):
    question = data.draw(QUESTION_STRATEGIES[kind](any_mark=True))
    response = data.draw(responses)
    result = grade(question, response)
    assert 0 <= result.score <= result.max_score == question.default_mark
    assert 0 <= result.fraction <= 1


@pytest.mark.parametrize("kind", QUESTION_STRATEGIES)
@FAST
@given(data=st.data())
def test_correct_response_gets_exactly_max(kind, data):
    question = data.draw(QUESTION_STRATEGIES[kind](any_mark=True))
    result = grade(question, correct_response(question))
    assert result.score == question.default_mark
    assert result.fraction == 1.0
    assert result.state is GradeState.CORRECT and result.correct


@FAST
@given(questions(any_mark=True))
def test_to_dict_round_trips_through_json(question):
    data = json.loads(json.dumps(question.to_dict(), ensure_ascii=False))
    assert data["type"] == question.type
    assert question_from_dict(data) == question
    assert type(question).from_dict(data) == question


@FAST
@given(st.integers(0, 30), st.one_of(st.integers(), st.text(max_size=8)))
def test_shuffled_order_is_a_fixed_permutation(n, seed):
    order = shuffled_order(n, seed)
    assert sorted(order) == list(range(n))
    assert shuffled_order(n, seed) == order


# --- single choice ---------------------------------------------------------------------------


@pytest.fixture
def detention():
    return SingleChoiceQuestion(
        text="Сколько часов можно задерживать человека без решения суда?",
        default_mark=2,
        choices=[
            Choice("48", 100, "Верно: статья 22 Конституции."),
            Choice("72", 50, "Так бывает, только если суд продлил срок."),
            Choice("Сколько угодно", -100, "Нет."),
            Choice("24"),
        ],
    )


def test_single_choice_right_partial_negative_and_missing(detention):
    right = grade(detention, 0)
    assert (right.score, right.max_score, right.fraction) == (2, 2, 1.0)
    assert right.correct and right.feedback == ("Верно: статья 22 Конституции.",)
    assert [p.selected for p in right.parts] == [True, False, False, False]
    assert [p.correct for p in right.parts] == [True, True, False, False]

    half = grade(detention, 1)
    assert (half.score, half.state, half.partial) == (1.0, GradeState.PARTIAL, True)

    negative = grade(detention, 2)
    assert negative.score == 0 and negative.state is GradeState.INCORRECT
    assert negative.answered

    for missing in (None, "", 7, -1, True, "abc", 1.5):
        result = grade(detention, missing)
        assert result.score == 0 and not result.answered and result.feedback == ()

    assert grade(detention, "0").correct  # form values arrive as strings


# --- multiple choice -------------------------------------------------------------------------


@pytest.fixture
def rights_question():
    return MultipleChoiceQuestion(
        text="Что вправе сделать задержанный?",
        choices=[
            Choice("Позвонить адвокату", 50, "Да."),
            Choice("Не свидетельствовать против себя", 50, "Да, статья 51."),
            Choice("Подписать всё не читая", -100, "Никогда."),
            Choice("Ничего", -50),
        ],
    )


def test_multiple_choice_partial_and_full(rights_question):
    assert grade(rights_question, {0, 1}).correct
    assert grade(rights_question, [1, 0, 1]).correct  # duplicates do not count twice
    half = grade(rights_question, [0])
    assert half.fraction == 0.5 and half.partial
    assert half.feedback == ("Да.",)
    assert grade(rights_question, ()).score == 0
    assert not grade(rights_question, None).answered


def test_multiple_choice_negative_weights_clamp_at_zero(rights_question):
    assert grade(rights_question, {2}).score == 0
    assert grade(rights_question, {0, 2}).score == 0  # 50 - 100 would be -50%
    assert grade(rights_question, {0, 1, 3}).fraction == 0.5
    assert grade(rights_question, {0, 1, 2, 3}).score == 0  # ticking everything earns nothing


def test_multiple_choice_thirds_add_up_to_full_marks():
    question = MultipleChoiceQuestion(
        text="Выберите три",
        default_mark=3,
        choices=[Choice("a", 33.33), Choice("b", 33.33), Choice("c", 33.33), Choice("d", -100)],
    )
    assert grade(question, {0, 1, 2}).score == 3
    assert grade(question, {0}).score == pytest.approx(1)
    assert correct_response(question) == frozenset({0, 1, 2})


def test_multiple_choice_ignores_out_of_range_and_junk(rights_question):
    assert grade(rights_question, [0, 1, 99, -1, "x", None]).correct
    assert grade(rights_question, "01").score == 0  # a string is not a set of indexes
    assert grade(rights_question, {0: 1}).score == 0


# --- true / false ----------------------------------------------------------------------------


def test_true_false():
    question = TrueFalseQuestion(
        text="Адвоката можно потребовать с момента задержания.",
        answer=True,
        right_feedback="Да.",
        wrong_feedback="Нет, с момента фактического задержания.",
    )
    assert grade(question, True).correct
    assert grade(question, True).feedback == ("Да.",)
    wrong = grade(question, False)
    assert wrong.score == 0 and wrong.feedback == ("Нет, с момента фактического задержания.",)
    assert wrong.answered
    for missing in (None, "true", 1, 0):
        assert not grade(question, missing).answered


# --- short answer ----------------------------------------------------------------------------


@pytest.fixture
def court():
    return ShortAnswerQuestion(
        text="Какой документ защищает право на молчание?",
        answers=[
            Answer("Конституция РФ", 100, "Статья 51."),
            Answer("Конституция", 100),
            Answer("УПК", 50, "Тоже, но главное — Конституция."),
            Answer("Ёлка", 0, "Шутка."),
        ],
    )


def test_short_answer_case_spaces_and_yo(court):
    for typed in ("конституция рф", "  КОНСТИТУЦИЯ   РФ ", "Конституция\tрф", "конституция"):
        assert grade(court, typed).correct, typed
    assert grade(court, "упк").fraction == 0.5
    assert grade(court, "упк").feedback == ("Тоже, но главное — Конституция.",)
    assert grade(court, "елка").feedback == ("Шутка.",)
    assert grade(court, "елка").score == 0
    assert grade(court, "ЁЛКА").parts[0].chosen == 3


def test_short_answer_unicode_normalisation():
    question = ShortAnswerQuestion(text="Слово", answers=[Answer("Йошкар-Ола")])
    decomposed = unicodedata.normalize("NFD", "йошкар-ола")
    assert decomposed != "йошкар-ола"
    assert grade(question, decomposed).correct
    assert normalize_answer("Е\u0308") == normalize_answer("ё") == "е"  # Е + combining diaeresis
    assert normalize_answer(" Щёлково \n") == "щелково"


def test_short_answer_missing_and_wrong(court):
    for missing in (None, "", "   ", 5, ["Конституция"]):
        result = grade(court, missing)
        assert result.score == 0 and not result.answered
    wrong = grade(court, "Библия")
    assert wrong.answered and wrong.score == 0 and wrong.parts[0].chosen is None


# --- numeric ---------------------------------------------------------------------------------


def test_parse_number():
    assert parse_number("3,14") == 3.14
    assert parse_number(" 3.14 ") == 3.14
    assert parse_number("−2,5") == -2.5
    assert parse_number("1 000") == 1000
    assert parse_number("1\u00a0000,5") == 1000.5
    assert parse_number("1e3") == 1000
    assert parse_number(7) == 7
    for garbage in ("", "abc", "1,000.5", "1,2,3", "nan", "inf", "1e999", "0x10", "1_000", None):
        assert parse_number(garbage) is None, garbage
    assert parse_number(True) is None
    assert parse_number(math.nan) is None


def test_numeric_tolerance_boundaries():
    question = NumericQuestion(text="Число пи", answers=[NumericAnswer(3.14, 0.01)])
    for typed in ("3.13", "3,15", "3.14", "3.1400001", 3.15):
        assert grade(question, typed).correct, typed
    for typed in ("3.1299", "3.1501", "3", "-3.14"):
        assert grade(question, typed).score == 0, typed


def test_numeric_range_boundaries():
    question = NumericQuestion(text="Сколько дней?", answers=[NumericAnswer.between(1, 5)])
    for typed in ("1", "5", "3,5", "1.0"):
        assert grade(question, typed).correct, typed
    for typed in ("0.999", "5.001", "-1"):
        assert grade(question, typed).score == 0, typed


def test_numeric_best_weight_and_feedback():
    question = NumericQuestion(
        text="Срок обжалования приговора, суток",
        answers=[
            NumericAnswer(15, 0, 100, "Верно."),
            NumericAnswer(10, 5, 50, "Близко."),
            NumericAnswer.between(0, 100, 10),
        ],
        other_feedback="Посмотрите статью 389.4 УПК.",
    )
    right = grade(question, "15")
    assert right.correct and right.feedback == ("Верно.",) and right.parts[0].chosen == 0
    close = grade(question, "12")
    assert close.fraction == 0.5 and close.feedback == ("Близко.",)
    assert grade(question, "90").fraction == pytest.approx(0.1)
    other = grade(question, "1000")
    assert other.score == 0 and other.feedback == ("Посмотрите статью 389.4 УПК.",)


def test_numeric_garbage_is_a_wrong_answer_not_an_error():
    question = NumericQuestion(text="x", answers=[NumericAnswer(2)], other_feedback="Нет.")
    for typed in ("два", "2 + 2", "nan", "1e400", "∞", "9" * 500):
        result = grade(question, typed)
        assert result.score == 0 and result.answered and result.feedback == ("Нет.",)
    for missing in (None, "", "  "):
        result = grade(question, missing)
        assert result.score == 0 and not result.answered


# --- matching --------------------------------------------------------------------------------


@pytest.fixture
def documents():
    return MatchingQuestion(
        text="Сопоставьте документ и адресата",
        default_mark=3,
        pairs=[
            MatchPair("Жалоба на следователя", "Прокурор"),
            MatchPair("Апелляционная жалоба", "Суд"),
            MatchPair("Ходатайство о свидании", "Следователь"),
        ],
        distractors=["Президент"],
    )


def test_matching_partial_credit(documents):
    assert documents.right_options == ("Прокурор", "Суд", "Следователь", "Президент")
    assert grade(documents, {0: 0, 1: 1, 2: 2}).correct
    partial = grade(documents, {0: 0, 1: 3, 2: 1})
    assert partial.score == pytest.approx(1) and partial.partial
    assert [p.correct for p in partial.parts] == [True, False, False]
    assert [(p.chosen, p.expected) for p in partial.parts] == [(0, 0), (3, 1), (1, 2)]
    assert grade(documents, {"0": "0", "1": "1"}).score == pytest.approx(2)  # JSON keys
    nothing = grade(documents, {})
    assert nothing.score == 0 and not nothing.answered
    assert grade(documents, [0, 1, 2]).score == 0
    assert grade(documents, {0: "x", "y": 1, 5: 5}).score == 0


def test_matching_shared_right_items():
    question = MatchingQuestion(
        text="Кто рассматривает?",
        pairs=[
            MatchPair("Арест", "Суд"),
            MatchPair("Продление ареста", "Суд"),
            MatchPair("Обыск", "Следователь"),
        ],
    )
    assert question.right_options == ("Суд", "Следователь")
    assert grade(question, {0: 0, 1: 0, 2: 1}).correct


# --- quiz totals, answer key -----------------------------------------------------------------


def test_grade_quiz(detention, rights_question, court):
    result = grade_quiz([detention, rights_question, court], [1, {0}, "упк"])
    assert result.total == pytest.approx(1 + 0.5 + 0.5)
    assert result.max_score == 4
    assert result.percent == pytest.approx(50)
    assert len(result.grades) == 3
    by_index = grade_quiz([detention, court], {1: "Конституция"})
    assert by_index.total == 1 and by_index.percent == pytest.approx(100 / 3)
    assert grade_quiz([detention, court], [0]).total == 2
    assert grade_quiz([], []).percent == 0


def test_correct_answer_text(detention, rights_question, court, documents):
    assert correct_answer_text(detention) == ["48"]
    assert correct_answer_text(rights_question) == [
        "Позвонить адвокату",
        "Не свидетельствовать против себя",
    ]
    assert correct_answer_text(court) == ["Конституция РФ", "Конституция"]
    assert correct_answer_text(documents)[0] == "Жалоба на следователя → Прокурор"
    tf = TrueFalseQuestion(text="x", answer=False)
    assert correct_answer_text(tf, true_label="Верно", false_label="Неверно") == ["Неверно"]
    numeric = NumericQuestion(
        text="x",
        answers=[NumericAnswer(3.14, 0.01), NumericAnswer.between(1, 2.5), NumericAnswer(7, 0, 50)],
    )
    assert correct_answer_text(numeric, decimal_separator=",") == ["3,14 ± 0,01", "1 – 2,5"]


def test_shuffled_order_known_seed():
    assert shuffled_order(5, 42) == shuffled_order(5, 42)
    assert shuffled_order(0, 1) == []
    orders = {tuple(shuffled_order(6, seed)) for seed in range(20)}
    assert len(orders) > 1


# --- the question model ----------------------------------------------------------------------


def test_texts_are_normalised():
    question = TrueFalseQuestion(text="  Да?\r\nНет \r", title=" t ", answer=True)
    assert question.text == "Да?\nНет" and question.title == "t"
    assert question.text_format is TextFormat.MARKDOWN
    assert (
        TrueFalseQuestion(text="x", answer=True, text_format="html").text_format is TextFormat.HTML
    )


def test_missing_word_display():
    question = SingleChoiceQuestion(
        text="Москва — столица",
        text_after=".",
        choices=[Choice("России", 100), Choice("Франции")],
    )
    assert question.is_missing_word
    assert question.display_text() == "Москва — столица _____."
    assert question.display_text("…") == "Москва — столица …."
    leading = TrueFalseQuestion(text="", text_after="— столица России", answer=True)
    assert leading.display_text() == "_____ — столица России"


@pytest.mark.parametrize(
    ("build", "code", "field"),
    [
        (
            lambda: SingleChoiceQuestion(text="x", choices=[Choice("a", 50), Choice("b")]),
            "no_full_choice",
            "choices",
        ),
        (lambda: SingleChoiceQuestion(text="x", choices=[Choice("a", 100)]), "too_few", "choices"),
        (
            lambda: MultipleChoiceQuestion(text="x", choices=[Choice("a", 50), Choice("b", 30)]),
            "weight_sum",
            "choices",
        ),
        (lambda: Choice("a", 150), "weight_range", "weight"),
        (lambda: Choice("  "), "empty_text", "text"),
        (lambda: Answer("a", -10), "weight_range", "weight"),
        (
            lambda: ShortAnswerQuestion(text="x", answers=[Answer("a", 50)]),
            "no_full_answer",
            "answers",
        ),
        (lambda: NumericAnswer(1, -0.5), "negative_tolerance", "tolerance"),
        (lambda: NumericAnswer.between(5, 1), "inverted_range", "minimum"),
        (lambda: NumericAnswer(math.inf), "not_finite", "value"),
        (lambda: NumericAnswer("3"), "not_number", "value"),
        (lambda: MatchingQuestion(text="x", pairs=[MatchPair("a", "b")]), "too_few", "pairs"),
        (
            lambda: MatchingQuestion(text="x", pairs=[MatchPair("a", "b"), MatchPair("a", "c")]),
            "duplicate_left",
            "pairs[1].left",
        ),
        (
            lambda: MatchingQuestion(
                text="x", pairs=[MatchPair("a", "b"), MatchPair("c", "d")], distractors=["b"]
            ),
            "duplicate_distractor",
            "distractors[0]",
        ),
        (lambda: TrueFalseQuestion(text=" ", answer=True), "empty_question", "text"),
        (lambda: TrueFalseQuestion(text="x", answer="yes"), "not_bool", "answer"),
        (
            lambda: TrueFalseQuestion(text="x", answer=True, default_mark=0),
            "bad_mark",
            "default_mark",
        ),
        (
            lambda: TrueFalseQuestion(text="x", answer=True, text_format="rtf"),
            "bad_format",
            "text_format",
        ),
        (
            lambda: TrueFalseQuestion(text="x", answer=True, category="a\nb"),
            "category_newline",
            "category",
        ),
    ],
)
def test_validation_errors(build, code, field):
    with pytest.raises(QuestionError) as info:
        build()
    assert info.value.code == code
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert str(info.value)


def test_validation_message_is_english_with_params():
    with pytest.raises(QuestionError) as info:
        MultipleChoiceQuestion(text="x", choices=[Choice("a", 50), Choice("b", 30)])
    assert str(info.value) == "The positive weights of the choices must add up to 100%, not 80%"
    assert info.value.params == {"total": 80.0}
    assert info.value.template.format(**info.value.params) == str(info.value)


def test_to_dict_shape():
    question = NumericQuestion(
        text="x",
        answers=[NumericAnswer(3.14, 0.01, feedback="ok"), NumericAnswer.between(1, 5, 50)],
    )
    assert question.to_dict() == {
        "type": "numeric",
        "title": "",
        "text": "x",
        "text_after": "",
        "text_format": "markdown",
        "general_feedback": "",
        "default_mark": 1.0,
        "category": "",
        "answers": [
            {"weight": 100.0, "feedback": "ok", "value": 3.14, "tolerance": 0.01},
            {"weight": 50.0, "feedback": "", "minimum": 1.0, "maximum": 5.0},
        ],
        "other_feedback": "",
    }
    assert set(QUESTION_TYPES) == {
        "single",
        "multiple",
        "truefalse",
        "short",
        "numeric",
        "matching",
        "essay",
        "description",
    }


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"type": "calculated", "text": "x"}, "unknown_type"),
        ("not a dict", "not_object"),
        ({"type": "truefalse", "text": "x"}, "missing_key"),
        ({"type": "truefalse", "text": "x", "answer": True, "colour": 1}, "unknown_key"),
        ({"type": "single", "text": "x", "choices": "ab"}, "not_list"),
        (
            {"type": "single", "text": "x", "choices": [{"text": "a", "weight": "100"}]},
            "not_number",
        ),
        ({"type": "single", "text": "x", "choices": [{"text": "a", "score": 1}]}, "unknown_key"),
        ({"type": "short", "text": "x", "answers": [["a"]]}, "not_object"),
        ({"type": "matching", "text": "x", "pairs": [{"left": "a"}]}, "missing_key"),
    ],
)
def test_from_dict_errors(data, code):
    with pytest.raises(QuestionError) as info:
        question_from_dict(data)
    assert info.value.code == code


def test_from_dict_points_at_the_bad_item():
    data = {
        "type": "single",
        "text": "x",
        "choices": [{"text": "a", "weight": 100}, {"text": "b", "weight": 300}],
    }
    with pytest.raises(QuestionError) as info:
        question_from_dict(data)
    assert info.value.field == "choices[1].weight"
    assert "choices[1].weight" in str(info.value)


def test_from_dict_checks_the_class():
    data = TrueFalseQuestion(text="x", answer=True).to_dict()
    assert isinstance(BaseQuestion.from_dict(data), TrueFalseQuestion)
    with pytest.raises(QuestionError, match="Expected a single question"):
        SingleChoiceQuestion.from_dict(data)
