"""The speaker_links and tag_links macros (templates/includes/macros.html): escaped
names, program order, quoted slugs; and the template engine's Django filters."""

import datetime

import pytest
from django.template import engines
from django.utils import timezone, translation

from talks.models import Talk
from talks.tests.factories import make_speaker, make_talk

pytestmark = pytest.mark.django_db


MACROS = '{% from "includes/macros.html" import speaker_links, tag_links %}'
SPEAKERS = MACROS + "{{ speaker_links(talk.listed_speakers()) }}"
TAGS = MACROS + "{{ tag_links(talk.listed_tags()) }}"


def _render(source, talk=None, **context):
    return engines["jinja2"].from_string(source).render({"talk": talk, **context})


def _fetched(talk):
    return Talk.objects.for_list().with_speakers().with_tags().get(pk=talk.pk)


def _speakers(*names):
    return [make_speaker(name=name) for name in names]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Grace Hopper"], '<a href="/speakers/grace-hopper/">Grace Hopper</a>'),
        (
            ["Grace Hopper", "Ada <Lovelace>"],
            '<a href="/speakers/grace-hopper/">Grace Hopper</a> and '
            '<a href="/speakers/ada-lovelace/">Ada &lt;Lovelace&gt;</a>',
        ),
        (
            ["Grace Hopper", "Ada <Lovelace>", "Zoë Lang"],
            '<a href="/speakers/grace-hopper/">Grace Hopper</a>, '
            '<a href="/speakers/ada-lovelace/">Ada &lt;Lovelace&gt;</a> and '
            '<a href="/speakers/zoe-lang/">Zoë Lang</a>',
        ),
    ],
)
def test_speaker_links_in_program_order(names, expected):
    talk = _fetched(make_talk(speakers=_speakers(*names)))

    assert _render(SPEAKERS, talk) == expected


def test_tag_links_quote_non_ascii_slugs_and_escape_names():
    talk = _fetched(make_talk(tags=["web", "Café <culture>"]))

    html = _render(TAGS, talk)

    assert html.startswith('<ul class="tags" aria-label="Tags"><li>')
    assert '<a href="/tags/web/" rel="tag">web</a>' in html
    assert 'rel="tag">Café &lt;culture&gt;</a>' in html
    assert 'href="/tags/caf%C3%A9-culture/"' in html


def test_no_tags_print_no_list():
    assert _render(TAGS, _fetched(make_talk())) == ""


def test_a_talk_not_fetched_for_a_list_fails_loudly_instead_of_querying_per_row():
    talk = make_talk(speakers=_speakers("Ada Lovelace"), tags=["python"])
    plain = Talk.objects.get(pk=talk.pk)

    with pytest.raises(AttributeError, match="speaker_list"):
        _render(SPEAKERS, plain)
    with pytest.raises(AttributeError, match="tag_list"):
        _render(TAGS, plain)


def test_prefetched_talks_print_without_queries(django_assert_num_queries):
    talk = _fetched(make_talk(speakers=_speakers("Ada Lovelace"), tags=["python"]))

    with django_assert_num_queries(0):
        _render(SPEAKERS + TAGS, talk)


def test_filters_print_as_django_templates_did(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    published = datetime.datetime(2019, 9, 23, 22, 30, tzinfo=datetime.UTC)

    html = _render(
        "{{ when|date('Y-m-d\\\\TH:i:sO') }} {{ when|date('j M Y') }} {{ start|time('H:i') }} "
        "{{ one|pluralize }}{{ two|pluralize }} {{ handle|urlencode }} {{ missing.deep.attr }}|",
        when=published,
        start=datetime.time(9, 5),
        one=1,
        two=2,
        handle="a b/c",
    )

    # In the site's time zone, as Django's templates print datetimes.
    assert html == "2019-09-24T00:30:00+0200 24 Sep 2019 09:05 s a%20b/c |"
    # Texts are remembered per time zone and language, never across them.
    assert _render("{{ when|date('j M Y H:i') }}", when=published) == "24 Sep 2019 00:30"
    with timezone.override("UTC"):
        assert _render("{{ when|date('j M Y H:i') }}", when=published) == "23 Sep 2019 22:30"
    march = datetime.date(2019, 3, 5)
    assert _render("{{ when|date('j F Y') }}", when=march) == "5 March 2019"
    with translation.override("de"):
        assert _render("{{ when|date('j F Y') }}", when=march) == "5 März 2019"
