"""The site's Markdown against GitHub's: a corpus rendered by cmark-gfm and by the renderer.

Both outputs are parsed into one canonical tree, and they must be the same tree once only the
dialect's deliberate differences are normalised away: raw HTML is shown as text (GitHub drops
it), remote images have no source, headings are moved under the page's title, typography
(quotes, dashes, non-breaking spaces), task-list boxes as characters, and footnotes, which
are judged by their links working in both directions.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from school.markdown import render_markdown

CORPUS = {
    # the constructs the issue found broken
    "list after paragraph": "Возьмите с собой:\n- паспорт\n- копию приговора",
    "list after paragraph, en": "Bring:\n- your passport\n- a copy of the verdict",
    "ordered list after paragraph": "Порядок:\n1. Напишите жалобу\n2. Отправьте её",
    "two-space nesting": "- суд\n  - первая инстанция\n  - апелляция\n- прокуратура",
    "two-space nesting, three levels": "- a\n  - b\n    - c\n  - d\n- e",
    "three-space nesting under 1.": "1. первый\n   1. вложенный\n   2. ещё\n2. второй",
    "1) list": "1) позвоните адвокату\n2) не подписывайте ничего",
    "1) list starting at 3": "3) третий\n4) четвёртый",
    "heading 1": "# Права задержанного\n\nТекст.",
    "headings 1 to 6": "# Один\n## Два\n### Три\n#### Четыре\n##### Пять\n###### Шесть",
    "heading 2 alone": "## Шаги\n\nТекст.",
    "setext heading": "Заголовок\n=========\n\nТекст",
    "bare URL": "Смотрите https://example.org/prava сегодня.",
    "bare www": "Site: www.example.org now.",
    "URL with hyphens": "See https://example.org/a--b-c for details.",
    "bare email": "Пишите на help@example.org.",
    "strikethrough": "Срок ~~10 дней~~ 15 дней.",
    "strikethrough, en": "The ~~old~~ new rule.",
    "task list": "- [ ] паспорт\n- [x] заявление\n- [X] копия",
    "task list, en": "To do:\n\n- [ ] call\n- [x] write",
    "backslash break": "Первая строка\\\nвторая строка",
    "two-space break": "First line  \nsecond line",
    "table after paragraph": "Сроки:\n| Жалоба | Срок |\n|---|---|\n| апелляция | 15 дней |",
    "table": "| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 | 4 |",
    "table without outer pipes": "a | b\n--|--\n1 | 2",
    "table centred": "| Статья | Суть |\n|:-:|:-:|\n| 51 | молчание |",
    "fenced code in list item": "1. Откройте терминал:\n\n   ```sh\n   ls -la\n   ```\n2. Готово",
    "fenced code in bullet": "- шаг\n\n  ```\n  code -- here\n  ```\n- next",
    "fenced code": '```python\nprint("Don\'t -- stop")\n```',
    "tilde fence": "~~~\na -> b\n~~~",
    "footnote": "Текст со сноской[^1].\n\n[^1]: Ст. 51 Конституции.",
    "two footnotes, en": "One[^a] and two[^b].\n\n[^a]: First.\n[^b]: Second.",
    "apostrophe": "Don't say it's fine.",
    "quotes, en": "He said \"it's 'fine'\" and left.",
    "quotes, ru": 'Он сказал "приходите завтра" и ушёл.',
    "nested quotes, ru": 'Он сказал: "Название "Защитник" -- условное".',
    # everyday constructs
    "emphasis": "*курсив*, **жирный**, ***оба*** и _подчёркивание_.",
    "inline code": "Команда `rm -rf` и `a -> b` не меняются.",
    "link": "[Закон](https://example.org/law) и [ещё](/local).",
    "reference link": "[ОВД][1]\n\n[1]: https://example.org/ovd",
    "local image": "![схема](/images/" + "a" * 64 + ".jpg)",
    "remote image": "![трекер](https://evil.example/pixel.gif)",
    "raw HTML": "Пишите <b>жалобу</b> сразу.",
    "raw HTML block": "<div>\nblock\n</div>\n\nAfter.",
    "blockquote": "> Цитата\n> вторая строка\n\nПосле.",
    "blockquote with list": "> Нужно:\n>\n> - паспорт\n> - копия",
    "horizontal rule": "До\n\n---\n\nПосле",
    "loose list": "- один\n\n- два\n\n- три",
    "ordered from 5": "5. пятый\n6. шестой",
    "escapes": "\\*не курсив\\* и \\# не заголовок",
    "dash and ellipsis, ru": "Срок - десять дней... или больше.",
    "units and signs": "По ст. 51 и п. 3 ч. 2: 10 000 ₽, 5 % и № 7, § 2.",
    "arrows": "Вопрос -> ответ.",
    "indented code": "Текст\n\n    код -- как есть\n\nПосле",
    "paragraph lazy line in list": "- первый пункт\nпродолжение\n- второй",
    "entities": "AT&amp;T &copy; 2026 &lt;tag&gt;",
}

_BLOCK = frozenset(
    ["p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "thead",
     "tbody", "tr", "td", "th", "pre", "hr"]
)  # fmt: skip
_KEPT_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "ol": {"start"}, "td": {"align"},
                    "th": {"align"}}  # fmt: skip
_TYPOGRAPHY = str.maketrans({"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'",
                             "’": "'", "\u00a0": " ", "—": "-", "–": "-", "…": "...",
                             "→": "->", "←": "<-", "↔": "<->"})  # fmt: skip


class _Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in ("br", "hr", "img", "input"):
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(html: str) -> _Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def _walk(node: _Node):
    yield node
    for child in node.children:
        if isinstance(child, _Node):
            yield from _walk(child)


def _text(node) -> str:
    if isinstance(node, str):
        return node
    return "".join(_text(child) for child in node.children)


def _check_footnote_links(root: _Node) -> None:
    """Every footnote reference leads to its note, and the note's back-link leads back."""
    ids = {node.attrs["id"]: node for node in _walk(root) if "id" in node.attrs}
    for node in _walk(root):
        href = node.attrs.get("href", "") if node.tag == "a" else ""
        if href.startswith("#"):
            assert href[1:] in ids, f"link {href} points nowhere"
    for sup in (node for node in _walk(root) if node.tag == "sup" and "id" in node.attrs):
        link = next(child for child in sup.children if isinstance(child, _Node))
        note = ids[link.attrs["href"][1:]]
        assert note.tag == "li"
        back = f"#{sup.attrs['id']}"
        assert any(n.tag == "a" and n.attrs.get("href") == back for n in _walk(note)), (
            "the note has no link back to its reference"
        )


def _footnotes(root: _Node) -> list[str]:
    """The notes' texts (the footnote block taken out of the tree), back-links left out."""
    notes = []
    for node in list(_walk(root)):
        for child in list(node.children):
            if isinstance(child, _Node) and (
                child.attrs.get("class") == "footnote" or child.tag == "section"
            ):
                node.children.remove(child)
                for item in (n for n in _walk(child) if n.tag == "li"):
                    for part in _walk(item):
                        part.children = [
                            c for c in part.children
                            if not (isinstance(c, _Node) and c.tag == "a")
                        ]  # fmt: skip
                    notes.append(" ".join(_text(item).split()))
    return notes


def _canonical(node, *, ours: bool, shift: int = 0, raw: frozenset[str] = frozenset()):
    """A comparable form of a tree: tags, the attributes that carry meaning, and plain text."""
    if isinstance(node, str):
        return node
    tag = node.tag
    if re.fullmatch(r"h[1-6]", tag):
        tag = f"h{min(int(tag[1]) + shift, 6)}"
    attrs = {k: v for k, v in node.attrs.items() if k in _KEPT_ATTRIBUTES.get(tag, ())}
    if tag == "a" and attrs.get("href", "").startswith("#"):
        attrs = {}  # footnote references: their links are checked on their own
    if tag == "a" and attrs.get("href", "").startswith("mailto:"):
        attrs = {"href": "mailto:"}
    if tag == "img" and not attrs.get("src", "").startswith("/"):
        attrs.pop("src", None)  # remote images are off
    if tag == "input":  # GitHub's task-list box, as the character the site prints
        return "☑ " if "checked" in node.attrs else "☐ "
    code = tag in ("pre", "code")
    children = []
    for child in node.children:
        if isinstance(child, _Node) or not code:
            item = _canonical(child, ours=ours, shift=shift, raw=raw)
        else:
            item = child
        if isinstance(item, str):
            if not code:
                item = item.translate(_TYPOGRAPHY)
                if ours and raw:  # raw HTML shown as text (GitHub drops it)
                    item = re.sub(rf"</?(?:{'|'.join(raw)})\b[^<>]*>", "", item)
            if children and isinstance(children[-1], str):
                children[-1] += item
                continue
        children.append(item)
    cleaned = []
    for child in children:
        if isinstance(child, str):
            child = child.rstrip("\n") if code else re.sub(r"-+", "-", re.sub(r"\s+", " ", child))
            if not child.strip() and (tag in _BLOCK or tag == "root"):
                continue
        cleaned.append(child)
    if tag in _BLOCK and cleaned and isinstance(cleaned[0], str) and not code:
        cleaned[0] = cleaned[0].lstrip()
    if tag in _BLOCK and cleaned and isinstance(cleaned[-1], str) and not code:
        cleaned[-1] = cleaned[-1].rstrip()
    for index, child in enumerate(cleaned):  # the spaces between text and a block beside it
        if isinstance(child, str):
            if index + 1 < len(cleaned) and _is_block(cleaned[index + 1]):
                child = child.rstrip()
            if index and _is_block(cleaned[index - 1]):
                child = child.lstrip()
            cleaned[index] = child
    cleaned = [child for child in cleaned if child != ""]
    if tag == "strong" and len(cleaned) == 1 and _is_tag(cleaned[0], "em"):
        # ***both***: <strong><em> and <em><strong> are the same emphasis
        inner = cleaned[0]
        return ("em", (), (("strong", (), inner[2]),))
    return (tag, tuple(sorted(attrs.items())), tuple(cleaned))


def _is_tag(item, tag: str) -> bool:
    return isinstance(item, tuple) and item[0] == tag


def _is_block(item) -> bool:
    return isinstance(item, tuple) and item[0] in _BLOCK


def _github(text: str) -> _Node:
    """GitHub's rendering, with raw HTML elements reduced to their text, as the site shows it."""
    html = cmarkgfm.github_flavored_markdown_to_html(
        text, options=Options.CMARK_OPT_FOOTNOTES | Options.CMARK_OPT_UNSAFE
    )
    root = _parse(html)
    raw = _raw_tags(text)
    for node in list(_walk(root)):
        unwrapped = []
        for child in node.children:
            if isinstance(child, _Node) and child.tag in raw:
                unwrapped.extend(child.children)
            else:
                unwrapped.append(child)
        node.children = unwrapped
    if raw:  # a raw HTML block: the site shows it as a paragraph of text
        grouped, loose = [], []
        for child in [*root.children, None]:
            if isinstance(child, str) or (isinstance(child, _Node) and child.tag not in _BLOCK):
                loose.append(child)
                continue
            if "".join(map(_text, loose)).strip():
                paragraph = _Node("p", {})
                paragraph.children = loose
                grouped.append(paragraph)
            loose = []
            if child is not None:
                grouped.append(child)
        root.children = grouped
    return root


def _raw_tags(text: str) -> frozenset[str]:
    return frozenset(name.lower() for name in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", text))


def _heading_shift(root: _Node) -> int:
    levels = [int(n.tag[1]) for n in _walk(root) if re.fullmatch(r"h[1-6]", n.tag)]
    return 2 - min(levels) if levels else 0


@pytest.mark.parametrize("name", list(CORPUS))
def test_renders_as_github_renders(name):
    text = CORPUS[name]
    language = "en" if name.endswith(", en") else "ru"
    ours = _parse(str(render_markdown(text, language)))
    theirs = _github(text)
    _check_footnote_links(ours)
    assert [n.translate(_TYPOGRAPHY) for n in _footnotes(ours)] == _footnotes(theirs)
    assert _canonical(ours, ours=True, raw=_raw_tags(text)) == _canonical(
        theirs, ours=False, shift=_heading_shift(theirs)
    )


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40
