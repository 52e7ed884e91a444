from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.gift import (
    GiftError,
    GiftSyntaxError,
    dump_gift,
    escape,
    load_gift,
    parse_gift,
    unescape,
)
from quizzes.questions import (
    Answer,
    Choice,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TextFormat,
    TrueFalseQuestion,
)
from tests.quizzes.test_grading import QUESTION_STRATEGIES, questions, texts

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=30, deadline=None)


def one(text: str):
    result = parse_gift(text)
    assert result.errors == []
    assert result.unsupported == []
    assert len(result.questions) == 1
    return result.questions[0]


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", QUESTION_STRATEGIES)
@FAST
@given(data=st.data())
def test_dump_then_parse_gives_equal_question(kind, data):
    question = data.draw(QUESTION_STRATEGIES[kind]())
    text = dump_gift([question])
    result = parse_gift(text)
    assert result.errors == [], text
    assert result.unsupported == [], text
    assert result.questions == [question], text


@settings(max_examples=15, deadline=None)
@given(st.lists(questions(), max_size=4))
def test_dump_then_parse_keeps_order_and_categories(items):
    assert load_gift(dump_gift(items)) == items


@FAST
@given(texts(30))
def test_escape_round_trip(text):
    assert unescape(escape(text)) == text
    assert "\n" not in escape(text)


# --- the sample file -------------------------------------------------------------------------


def test_sample_file_parses_completely():
    result = parse_gift((DATA / "sample_ru.gift").read_text(encoding="utf-8"))
    assert result.errors == [] and result.unsupported == [] and result.ok
    # Moodle's context and "top" are dropped from category paths.
    assert result.categories == ["Задержание", "Документы"]
    kinds = [q.type for q in result.questions]
    assert kinds == [
        "single",
        "multiple",
        "truefalse",
        "truefalse",
        "short",
        "numeric",
        "numeric",
        "numeric",
        "numeric",
        "matching",
        "single",
        "truefalse",
    ]
    assert [q.category for q in result.questions[:4]] == ["Задержание"] * 4
    assert result.questions[4].category == "Документы"
    assert load_gift(dump_gift(result.questions)) == result.questions


def test_windows_line_endings_and_bom_are_tolerated():
    text = (DATA / "sample_ru.gift").read_text(encoding="utf-8")
    expected = parse_gift(text).questions
    windows = "\ufeff" + text.replace("\n", "\r\n")
    assert parse_gift(windows).questions == expected
    raw = windows.encode("utf-8")
    assert parse_gift(raw.decode("utf-8")).questions == expected


# --- constructs ------------------------------------------------------------------------------


def test_single_choice_with_title_feedback_and_general_feedback():
    question = one(
        "::Срок::Сколько часов? {\n"
        "=48#Верно.\n"
        "~24#Нет.\n"
        "~%50%72#Отчасти.\n"
        "####Статья 22 Конституции.\n"
        "}"
    )
    assert isinstance(question, SingleChoiceQuestion)
    assert question.title == "Срок"
    assert question.text == "Сколько часов?"
    assert question.choices == (
        Choice("48", 100, "Верно."),
        Choice("24", 0, "Нет."),
        Choice("72", 50, "Отчасти."),
    )
    assert question.general_feedback == "Статья 22 Конституции."
    # Unprefixed text is Moodle's auto-format, as Moodle's parser reads it.
    assert question.text_format is TextFormat.MOODLE


def test_weighted_tildes_make_a_multiple_choice():
    question = one("Права? {~%50%молчать ~%50%звонить ~%-100%лгать}")
    assert isinstance(question, MultipleChoiceQuestion)
    assert [c.weight for c in question.choices] == [50, 50, -100]


def test_decimal_and_negative_weights():
    question = one("Три? {~%33.33333%а ~%33,33333%б ~%33.33333%в ~%-12.5%г}")
    assert isinstance(question, MultipleChoiceQuestion)
    assert [c.weight for c in question.choices] == [33.33333, 33.33333, 33.33333, -12.5]


@pytest.mark.parametrize(
    ("answer", "expected"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_spellings(answer, expected):
    question = one(f"Задержанный может молчать. {{{answer}}}")
    assert isinstance(question, TrueFalseQuestion)
    assert question.answer is expected
    assert question.right_feedback == question.wrong_feedback == ""


def test_true_false_feedback():
    single = one("Утверждение {T#Подумайте ещё.}")
    assert single.wrong_feedback == "Подумайте ещё." and single.right_feedback == ""
    pair = one("Утверждение {FALSE#Неверно, это ложь.#Правильно!####Общий отзыв}")
    assert pair.answer is False
    assert pair.wrong_feedback == "Неверно, это ложь."
    assert pair.right_feedback == "Правильно!"
    assert pair.general_feedback == "Общий отзыв"


def test_short_answer():
    question = one("Столица России? {=Москва =%50%Масква#Почти. =город Москва}")
    assert isinstance(question, ShortAnswerQuestion)
    assert question.answers == (
        Answer("Москва"),
        Answer("Масква", 50, "Почти."),
        Answer("город Москва"),
    )


def test_numeric_tolerance_range_and_multiple_answers():
    exact = one("Пи {#3.14:0.01}")
    assert isinstance(exact, NumericQuestion)
    assert exact.answers == (NumericAnswer(3.14, 0.01),)
    assert one("Сколько? {#1..5}").answers == (NumericAnswer.between(1, 5),)
    assert one("Сколько? {#-5..-1}").answers == (NumericAnswer.between(-5, -1),)
    assert one("Сколько? {#2#Верно}").answers == (NumericAnswer(2, feedback="Верно"),)
    assert one("Запятая {#3,14:0,01}").answers == (NumericAnswer(3.14, 0.01),)
    several = one("Пи {# =%100%3.14:0 =%50%3.1:0.1#Грубо ~#Совсем не то}")
    assert several.answers == (
        NumericAnswer(3.14, 0, 100),
        NumericAnswer(3.1, 0.1, 50, "Грубо"),
    )
    assert several.other_feedback == "Совсем не то"


def test_moodle_style_numeric_export():
    question = one("::Q::Срок {#\n\t=%100%15:0#\n\t=%50%10:5#Близко\n\t~#Нет\n}")
    assert question.answers == (NumericAnswer(15), NumericAnswer(10, 5, 50, "Близко"))
    assert question.other_feedback == "Нет"


def test_matching_with_distractor():
    question = one(
        "Сопоставьте {\n=Жалоба -> Прокурор\n=Апелляция -> Суд\n= -> Президент\n####Так.}"
    )
    assert isinstance(question, MatchingQuestion)
    assert question.pairs == (MatchPair("Жалоба", "Прокурор"), MatchPair("Апелляция", "Суд"))
    assert question.distractors == ("Президент",)
    assert question.general_feedback == "Так."


def test_missing_word():
    question = one("Москва — столица {~Франции =России ~Китая}.")
    assert question.text == "Москва — столица"
    assert question.text_after == "."
    assert question.display_text() == "Москва — столица _____."
    middle = one("Право на {=защиту =адвоката} гарантировано.")
    assert middle.text_after == "гарантировано."
    assert middle.display_text() == "Право на _____ гарантировано."


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("[html]", TextFormat.HTML),
        ("[markdown]", TextFormat.MARKDOWN),
        ("[plain]", TextFormat.PLAIN),
        ("[moodle]", TextFormat.MOODLE),
        ("", TextFormat.MOODLE),
    ],
)
def test_format_prefix(prefix, expected):
    question = one(f"::Т::{prefix}Вопрос {{T}}")
    assert question.text_format is expected
    assert question.text == "Вопрос"


def test_escapes():
    question = one(
        r"::Заголовок\: с двоеточием::Символы \~ \= \# \{ \} \: \\ и\nперенос {=a\=b\#c#отзыв\~}"
    )
    assert question.title == "Заголовок: с двоеточием"
    assert question.text == "Символы ~ = # { } : \\ и\nперенос"
    assert question.answers == (Answer("a=b#c", 100, "отзыв~"),)


def test_unknown_escape_is_kept():
    assert one(r"Путь C:\Users {T}").text == r"Путь C:\Users"


def test_comments_and_blank_lines():
    result = parse_gift(
        "// в начале\n\n\n::A::Первый {T}\n   \n// между\n"
        "::B::Второй\n// внутри\n{F}\n\n// в конце\n"
    )
    assert [q.title for q in result.questions] == ["A", "B"]
    assert result.questions[1].text == "Второй"


def test_multiline_question_text():
    question = one("::A::Первая строка\nвторая строка {\n=да\n~нет\n}")
    assert question.text == "Первая строка\nвторая строка"


def test_category_applies_to_following_questions():
    result = parse_gift("Без категории {T}\n\n$CATEGORY: Права/Суд\n\nA {T}\n\nB {F}\n")
    assert [q.category for q in result.questions] == ["", "Права/Суд", "Права/Суд"]
    assert result.categories == ["Права/Суд"]
    assert "$CATEGORY: Права/Суд" in dump_gift(result.questions)


def test_category_line_directly_above_a_question():
    result = parse_gift("$CATEGORY: Суд\nВопрос {T}")
    assert result.questions[0].category == "Суд"


# --- errors and unsupported questions --------------------------------------------------------


def test_every_error_is_reported_with_its_line():
    result = parse_gift((DATA / "broken.gift").read_text(encoding="utf-8"))
    assert [(error.line, error.code) for error in result.errors] == [
        (4, "unclosed_brace"),
        (7, "no_marker"),
        (11, "bad_weight"),
        (16, "bad_numeric_answer"),
        (19, "too_few"),
        (23, "weight_range"),
        (25, "bad_weight"),
        (35, "title_unclosed"),
        (38, "unexpected_close"),
        (41, "tf_feedback"),
        (44, "negative_tolerance"),
        (49, "matching_arrow"),
    ]
    # Moodle accepts weights that do not add up to 100%, essays and descriptions.
    assert [(w.line, w.code) for w in result.warnings] == [(32, "weight_sum")]
    assert result.unsupported == []
    assert [(q.type, q.text) for q in result.questions] == [
        ("truefalse", "Адвоката можно потребовать сразу."),
        ("multiple", "Выберите права"),
        ("essay", "Опишите ваш случай."),
        ("description", "Это просто текст без ответов."),
    ]
    assert not result.ok
    assert all(isinstance(error, GiftError) and error.message for error in result.errors)
    assert result.errors[2].message == (
        "Bad weight '%пятьдесят%': write a percentage such as %50% or %-33.3%"
    )
    assert result.errors[2].params == {"weight": "%пятьдесят%"}


def test_load_gift_refuses_the_whole_file():
    with pytest.raises(GiftSyntaxError) as info:
        load_gift((DATA / "broken.gift").read_text(encoding="utf-8"))
    assert len(info.value.errors) == 12
    assert info.value.unsupported == []
    message = str(info.value)
    assert "line 4: The answer block opened with '{' is not closed with '}'" in message
    assert isinstance(info.value, ValueError)


def test_essay_with_general_feedback_loads():
    questions = load_gift("Хороший {T}\n\nОпишите ситуацию. {####Ответ проверит куратор.}\n")
    assert questions[1].type == "essay"
    assert questions[1].general_feedback == "Ответ проверит куратор."


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("Вопрос {=a\n~b\n", 1, "unclosed_brace"),
        ("Вопрос\n{=a {~b}", 2, "nested_brace"),
        ("Вопрос {T} и {F}", 1, "second_block"),
        ("Вопрос {\n=a\n~%abc%b\n}", 3, "bad_weight"),
        ("Вопрос {\n=a\n=%-10%b\n}", 3, "weight_range"),
        ("Вопрос {=a ~#только отзыв}", 1, "empty_answer"),
        ("Вопрос {#}", 1, "bad_numeric_answer"),
        ("Вопрос {#1..x}", 1, "bad_numeric_answer"),
        ("Вопрос {#5..1}", 1, "inverted_range"),
        ("Вопрос {#\n=3\n~не отзыв\n}", 3, "numeric_tilde"),
        ("Вопрос {\n=a -> b\n=c -> d#отзыв\n}", 3, "matching_feedback"),
        ("Вопрос {\n=a -> b\n=a -> c\n}", 3, "duplicate_left"),
        ("::Т:: {T}", 1, "empty_question"),
    ],
)
def test_malformed_questions(text, line, code):
    result = parse_gift(text)
    assert [(error.line, error.code) for error in result.errors] == [(line, code)]
    assert result.questions == []


def test_errors_after_comment_lines_keep_real_line_numbers():
    text = "// 1\n// 2\nВопрос {\n// 4\n=a\n// 6\n~%x%b\n}\n"
    assert [(e.line, e.code) for e in parse_gift(text).errors] == [(7, "bad_weight")]


# --- writing ---------------------------------------------------------------------------------


def test_dump_writes_readable_gift():
    question = SingleChoiceQuestion(
        title="Срок",
        text="Сколько часов: 48 или 72?",
        general_feedback="См. статью 22.",
        category="Права/Задержание",
        choices=[Choice("48", 100, "Да"), Choice("72", 50), Choice("24")],
    )
    assert dump_gift([question]) == (
        "$CATEGORY: Права/Задержание\n"
        "\n"
        "::Срок::[markdown]Сколько часов\\: 48 или 72?{\n"
        "\t=48#Да\n"
        "\t~%50%72\n"
        "\t~24\n"
        "\t####См. статью 22.\n"
        "}\n"
    )


def test_dump_each_type():
    items = [
        TrueFalseQuestion(text="Правда?", answer=False, wrong_feedback="Нет", right_feedback="Да"),
        ShortAnswerQuestion(text="Кто?", answers=[Answer("a->b"), Answer("%50%", 50)]),
        NumericQuestion(text="Сколько?", answers=[NumericAnswer.between(-1.5, 2)]),
        MatchingQuestion(text="Пары", pairs=[MatchPair("a", "b->c"), MatchPair("d", "e")]),
        SingleChoiceQuestion(text="Доля?", choices=[Choice("%", 100), Choice("%10%", 10)]),
    ]
    text = dump_gift(items)
    assert "{FALSE#Нет#Да}" in text
    assert "=%100%a-\\>b" in text  # keeps the short answer from reading as a matching pair
    assert "=%50%%50%" in text
    assert "{#-1.5..2}" in text
    assert "=a -> b->c" in text
    assert "\t=%\n" in text and "~%10%%10%" in text  # after "=" Moodle reads no weight
    assert parse_gift(text).questions == items


def test_dump_empty():
    assert dump_gift([]) == ""
    assert parse_gift("").questions == []


@pytest.mark.parametrize(
    ("text", "code", "kind"),
    [
        ("Вопрос {=%50%a}", "no_full_answer", "short"),
        ("Вопрос {~a ~b}", "weight_sum", "multiple"),
        ("Вопрос {#=%50%3}", "no_full_answer", "numeric"),
    ],
)
def test_what_moodle_accepts_is_read_with_a_warning(text, code, kind):
    result = parse_gift(text)
    assert result.ok and result.errors == []
    assert [(w.line, w.code) for w in result.warnings] == [(1, code)]
    assert [q.type for q in result.questions] == [kind]


def test_an_equals_choice_takes_no_weight_as_in_moodle():
    question = one("Вопрос {=%50%a ~b}")
    assert question.choices[0] == Choice("%50%a", 100)
