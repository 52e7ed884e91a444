"""GIFT export, laid out as Moodle's exporter writes it, so that Moodle and
:func:`quizzes.gift.parse_gift` read it back to the same questions.

A part gets a ``[format]`` prefix when its format differs from the question's (as Moodle
writes it), and also when its text would otherwise read as a prefix or a comment.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizzes.gift_syntax import escape, has_prefix
from quizzes.grading import format_number
from quizzes.questions import (
    BaseQuestion,
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    Question,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TextFormat,
    TrueFalseQuestion,
)

__all__ = ["dump_gift"]

_NO_SPACE_BEFORE = ".,;:!?)]»…"


def _escape_arrow(text: str) -> str:
    return escape(text).replace("->", "-\\>")


def _text(
    text: str, fmt: TextFormat | None, question: BaseQuestion, *, arrows: bool = False
) -> str:
    """A part: ``[format]`` when it differs from the question's (or the text needs one)."""
    own = question.format_of(fmt)
    written = _escape_arrow(text) if arrows else escape(text)
    if own != question.text_format or (text and (has_prefix(text) or text.startswith("//"))):
        return f"[{own.value}]{written}"
    return written


def _question_text(question: BaseQuestion) -> str:
    fmt = question.text_format
    text = escape(question.text)
    if fmt is not TextFormat.MOODLE or has_prefix(question.text) or question.text.startswith("//"):
        return f"[{fmt.value}]{text}"
    return text


def _weight(weight: float) -> str:
    return f"%{format_number(weight)}%"


def _feedback(text: str, fmt: TextFormat | None, question: BaseQuestion, **kw: bool) -> str:
    return f"#{_text(text, fmt, question, **kw)}" if text else ""


def _general(question: BaseQuestion) -> str:
    if not question.general_feedback:
        return ""
    fmt = question.general_feedback_format
    return f"####{_text(question.general_feedback, fmt, question)}"


def _choice_lines(question: SingleChoiceQuestion | MultipleChoiceQuestion) -> list[str]:
    lines = []
    single = isinstance(question, SingleChoiceQuestion)
    # Only "=" answers would read as a short answer: the first one alone keeps its "=".
    equals = single and all(choice.weight == 100 for choice in question.choices)
    for index, choice in enumerate(question.choices):
        if single and choice.weight == 100 and not (equals and index):
            marker = "="
        elif choice.weight == 0 and not choice.text.startswith("%"):
            marker = "~"
        else:
            marker = f"~{_weight(choice.weight)}"
        text = _text(choice.text, choice.text_format, question)
        lines.append(marker + text + _feedback(choice.feedback, choice.feedback_format, question))
    return lines


def _short_lines(question: ShortAnswerQuestion) -> list[str]:
    lines = []
    for answer in question.answers:
        text = _escape_arrow(answer.text)
        if has_prefix(answer.text):
            text = f"[{TextFormat.MOODLE.value}]{text}"
        feedback = _text(answer.feedback, answer.feedback_format, question, arrows=True)
        lines.append(f"={_weight(answer.weight)}{text}#{feedback if answer.feedback else ''}")
    return lines


def _numeric_spec(answer: NumericAnswer) -> str:
    if answer.minimum is not None and answer.maximum is not None:
        return f"{format_number(answer.minimum)}..{format_number(answer.maximum)}"
    if answer.tolerance:
        return f"{format_number(answer.value)}:{format_number(answer.tolerance)}"
    return format_number(answer.value)


def _numeric_block(question: NumericQuestion) -> str:
    answers = question.answers
    general = _general(question)
    if len(answers) == 1 and answers[0].weight == 100 and not question.other_feedback:
        only = answers[0]
        spec = _numeric_spec(only) + _feedback(only.feedback, only.feedback_format, question)
        return f"{{#{spec}{general}}}"
    lines = [
        f"={_weight(a.weight)}{_numeric_spec(a)}#"
        + (_text(a.feedback, a.feedback_format, question) if a.feedback else "")
        for a in answers
    ]
    if question.other_feedback:
        other = _text(question.other_feedback, question.other_feedback_format, question)
        lines.append(f"~#{other}")
    if general:
        lines.append(general)
    return "\n".join(["{#", *(f"\t{line}" for line in lines), "}"])


def _truefalse_block(question: TrueFalseQuestion) -> str:
    body = "TRUE" if question.answer else "FALSE"
    wrong = question.wrong_feedback
    right = question.right_feedback
    if wrong:
        body += "#" + _text(wrong, question.wrong_feedback_format, question)
    elif right:
        body += "#"
    if right:
        body += "#" + _text(right, question.right_feedback_format, question)
    return f"{{{body}{_general(question)}}}"


def _answer_block(question: Question) -> str:
    if isinstance(question, EssayQuestion):
        return f"{{{_general(question)}}}"
    if isinstance(question, TrueFalseQuestion):
        return _truefalse_block(question)
    if isinstance(question, NumericQuestion):
        return _numeric_block(question)
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        lines = _choice_lines(question)
    elif isinstance(question, ShortAnswerQuestion):
        lines = _short_lines(question)
    elif isinstance(question, MatchingQuestion):
        lines = [
            f"={_text(pair.left, pair.left_format, question, arrows=True)} -> {escape(pair.right)}"
            for pair in question.pairs
        ]
        lines += [f"= -> {escape(item)}" for item in question.distractors]
    else:
        raise TypeError(f"Not a question: {question!r}")
    general = _general(question)
    if general:
        lines.append(general)
    return "\n".join(["{", *(f"\t{line}" for line in lines), "}"])


def _dump_question(question: Question) -> str:
    head = f"::{escape(question.title)}::" if question.title else ""
    head += _question_text(question)
    if isinstance(question, DescriptionQuestion):
        return head
    text = head + _answer_block(question)
    if question.text_after:
        joiner = "" if question.text_after[0] in _NO_SPACE_BEFORE else " "
        text += joiner + escape(question.text_after)
    return text


def dump_gift(questions: Iterable[Question]) -> str:
    """Write questions as GIFT; :func:`quizzes.gift.parse_gift` (and Moodle) read the result
    back to equal questions (``default_mark`` aside, which GIFT cannot hold)."""
    chunks = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {category}".rstrip())
        chunks.append(_dump_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""
