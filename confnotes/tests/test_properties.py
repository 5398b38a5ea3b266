"""Property-based tests: the Markdown renderer and slug generation, for any input."""

import re
from html.parser import HTMLParser

import pytest
from django.core.validators import validate_slug
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confnotes.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    render_markdown,
)
from confnotes.slugs import RESERVED_DAY_SLUGS, RESERVED_ROOT_SLUGS, unique_slug
from talks.models import Conference, Day, Talk
from talks.tests.factories import make_conference, make_day, make_speaker, make_talk

# CI-friendly: no deadline on a busy machine, no example database written to disk.
FAST = settings(max_examples=200, deadline=None, database=None)
DB = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces of Markdown and HTML that hostile or careless writers combine.
FRAGMENTS = [
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>",
    "javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", "&#106;", "&#x6A;", "&colon;",
    "<svg onload=x>", "<iframe>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<div markdown=1>",
    "[link](", "](javascript:alert(1))", "![img](", ")", "[r]: ", "\n\n", "\n", "    ", "```",
    "`", "*", "_", "**", "> ", "- ", "1. ", "|", "---", "<", ">", '"', "'", "=", " on", "click=",
    "error=", "style=", "<p ", "<b>", "</b>", "{: .x}", "\t", "\x00", "\u202e", "é",
]  # fmt: skip
markdownish = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30
).map("".join)

URL_ATTRIBUTES = {"href", "src"}
# nh3 adds rel="…" to every link it keeps.
ADDED_ATTRIBUTES = {"a": {"rel"}}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _AllowlistChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ADDED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                match = _SCHEME.match(_INVISIBLE.sub("", value))
                if match and match.group(1).lower() not in ALLOWED_URL_SCHEMES:
                    self.problems.append(f"URL {value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def unknown_decl(self, data):
        self.problems.append(f"declaration {data!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")


def disallowed_markup(html: str) -> list[str]:
    checker = _AllowlistChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


def test_checker_spots_what_the_renderer_must_never_output():
    """The property below can fail: the checker flags each kind of leak."""
    leaks = disallowed_markup(
        '<script>x</script><p onclick="x">a</p><a href=" java\tscript:x">b</a>'
        '<img src="data:image/png;base64,xx"><!-- c -->'
    )

    assert leaks == [
        "tag <script>",
        "end tag </script>",
        "attribute onclick on <p>",
        "URL ' java\\tscript:x' on <a>",
        "URL 'data:image/png;base64,xx' on <img>",
        "comment ' c '",
    ]


@FAST
@given(st.one_of(st.text(), markdownish))
def test_rendered_markdown_keeps_only_allowlisted_markup(text):
    html = render_markdown(text)

    assert disallowed_markup(html) == []


@FAST
@given(markdownish)
def test_rendering_is_stable(text):
    """Rendering is a pure function, and sanitizing its output changes nothing more."""
    from confnotes.markdown import sanitize_html

    html = render_markdown(text)

    assert render_markdown(text) == html
    assert sanitize_html(html) == html


# ---------------------------------------------------------------------------
# Slugs


class _SlugRows:
    """The part of a queryset `unique_slug` uses, over a plain set of slugs."""

    def __init__(self, slugs):
        self.slugs = set(slugs)

    def filter(self, *, slug__startswith):
        return _SlugRows(s for s in self.slugs if s.startswith(slug__startswith))

    def values_list(self, field, *, flat):
        assert (field, flat) == ("slug", True)
        return list(self.slugs)


titles = st.one_of(
    # No NUL: PostgreSQL cannot store it, and forms refuse it before any save. No
    # lone surrogates: text that reaches confnotes is decoded UTF-8, which has none.
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=250),
    st.sampled_from(sorted(RESERVED_ROOT_SLUGS | RESERVED_DAY_SLUGS)),
    st.sampled_from(["Day 1", "PyCon US 2019", "Łódź — 2024!", "!!!", "", "   ", "día-2", "ß"]),
)


@settings(FAST, max_examples=100)
@given(
    text=titles,
    taken=st.sets(st.from_regex(r"[a-z0-9]{1,8}(-[0-9]{1,2})?", fullmatch=True), max_size=20),
    reserved=st.sets(st.sampled_from(sorted(RESERVED_ROOT_SLUGS)), max_size=5),
    max_length=st.integers(min_value=8, max_value=200),
)
def test_unique_slug_is_valid_free_and_deterministic(text, taken, reserved, max_length):
    from confnotes.slugs import ascii_slug

    base = ascii_slug(text)[: max_length - 6].strip("-")
    # Crowd the slug's own space too, so the numbered suffixes get exercised.
    crowded = taken | ({base, f"{base}-2"} if base else {"item", "item-2"})

    slug = unique_slug(text, _SlugRows(crowded), max_length=max_length, reserved=reserved)

    validate_slug(slug)
    assert len(slug) <= max_length
    assert slug not in crowded
    assert slug not in reserved
    assert unique_slug(text, _SlugRows(crowded), max_length=max_length, reserved=reserved) == slug


@pytest.mark.django_db
@DB
@given(names=st.lists(titles, min_size=1, max_size=5))
def test_model_slugs_are_valid_unique_in_scope_and_stable(names):
    first, second = make_conference(), make_conference()
    day = make_day(first)
    other_day = make_day(second)
    new_conferences, talks, speakers = [], [], []
    for name in names:
        new_conferences.append(make_conference(name=name[:200] or "x"))
        talks.append(make_talk(day, title=name[:300] or "x"))
        talks.append(make_talk(other_day, title=name[:300] or "x"))
        speakers.append(make_speaker(name=name[:200] or "x"))
    days = [make_day(first, title=name[:200]) for name in names[:3]]

    for obj in [*new_conferences, *talks, *speakers, *days]:
        validate_slug(obj.slug)
    for conference in new_conferences:
        assert conference.slug not in RESERVED_ROOT_SLUGS
    for d in days:
        assert d.slug not in RESERVED_DAY_SLUGS
    # Unique in scope: conferences and speakers site-wide, days and talks per conference.
    assert Conference.objects.values("slug").distinct().count() == Conference.objects.count()
    for conference in (first, second):
        talk_slugs = list(Talk.objects.filter(conference=conference).values_list("slug", flat=True))
        assert len(talk_slugs) == len(set(talk_slugs))
        day_slugs = list(Day.objects.filter(conference=conference).values_list("slug", flat=True))
        assert len(day_slugs) == len(set(day_slugs))
    # Talk slugs are scoped to their conference: the same title gives the same slug in both.
    assert talks[0].slug == talks[1].slug
    # Stable: saving again, even after a rename, keeps the slug (and so the URL).
    for obj in [*new_conferences, *talks, *speakers, *days]:
        before = obj.slug
        obj.save()
        obj.refresh_from_db()
        assert obj.slug == before
    renamed = new_conferences[0]
    slug_before_rename = renamed.slug
    renamed.name = "A brand new name"
    renamed.save()
    renamed.refresh_from_db()
    assert renamed.slug == slug_before_rename
