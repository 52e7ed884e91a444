"""URL slugs and certificate verification codes (pure, no app)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from courses import codes
from school import slugs


def test_slugify_transliterates_russian_titles():
    assert slugs.slugify("Встреча с полицией") == "vstrecha-s-policiej"
    assert slugs.slugify("Защитник и жалобы") == "zashchitnik-i-zhaloby"
    assert slugs.slugify("Родственник в заключении") == "rodstvennik-v-zaklyuchenii"
    assert slugs.slugify("Ёж, Щука & «Юла»!") == "yozh-shchuka-yula"
    assert slugs.slugify("Café — 2025") == "cafe-2025"
    assert slugs.slugify("!!!") == "item"
    assert slugs.slugify("", fallback="course") == "course"


@given(st.text(max_size=300))
def test_slugify_always_gives_a_valid_slug(text):
    assert slugs.is_valid_slug(slugs.slugify(text))


def test_slug_validation():
    assert slugs.is_valid_slug("first-steps-2")
    for bad in ("", "First", "a--b", "-a", "a-", "a_b", "а", "a b", "a/b", "x" * 81):
        assert not slugs.is_valid_slug(bad), bad


def test_unique_slug_adds_a_number():
    assert slugs.unique_slug("intro", set()) == "intro"
    assert slugs.unique_slug("intro", {"intro", "intro-2"}) == "intro-3"
    long = "a" * 80
    assert slugs.is_valid_slug(slugs.unique_slug(long, {long}))


def test_new_codes_have_the_documented_shape():
    for _ in range(50):
        code = codes.new_code()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code) & set("01OIL")
    assert len({codes.new_code() for _ in range(200)}) == 200


def test_codes_are_read_back_however_they_are_typed():
    code = "ABCD-EF23-KMNP"
    assert codes.normalize_code(code) == code
    assert codes.normalize_code(" abcd ef23 kmnp ") == code
    assert codes.normalize_code("ABCDEF23KMNP") == code
    # Typed with a Russian keyboard layout's look-alike letters.
    assert codes.normalize_code("АВСD-ЕF23-КМNР") == code
    for bad in ("", "ABCD-EF23", "ABCD-EF23-KMN0", "ABCD-EF23-KMNP-XXXX", "ABCD-EF23-KMNO"):
        assert codes.normalize_code(bad) is None


@given(st.text(max_size=40))
def test_normalize_code_never_fails(text):
    result = codes.normalize_code(text)
    assert result is None or codes.normalize_code(result) == result


def test_one_transliteration_for_every_feature():
    """Courses, topics, entries and brochures all take their slugs from school.slugs."""
    assert slugs.slugify("Щука и ёж") == "shchuka-i-yozh"
    assert slugs.slugify("Ґанок і Ўсход") == "ganok-i-uskhod"
