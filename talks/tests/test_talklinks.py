"""{% speaker_links %} and {% tag_links %} print what the includes they replace print."""

import pytest
from django.template import Context, Template

from talks.models import Talk
from talks.tests.factories import make_speaker, make_talk

pytestmark = pytest.mark.django_db


def _render(source, talk):
    return Template(source).render(Context({"talk": talk}))


def _fetched(talk):
    return Talk.objects.for_list().get(pk=talk.pk)


@pytest.mark.parametrize("speaker_count", [0, 1, 2, 3])
def test_speaker_links_match_the_include(speaker_count):
    names = ["Ada <Lovelace>", "Grace Hopper", "Łukasz Langa"][:speaker_count]
    talk = _fetched(make_talk(speakers=[make_speaker(name=name) for name in names]))

    tag = _render("{% load talklinks %}{% speaker_links talk %}", talk)
    include = _render('{% include "includes/_speakers.html" %}', talk)

    assert tag == include
    if speaker_count:
        assert "Ada &lt;Lovelace&gt;" in tag and "<Lovelace>" not in tag
    if speaker_count == 3:
        assert ", <a" in tag and " and <a" in tag


@pytest.mark.parametrize("tags", [[], ["python"], ["web", "Café culture", "async"]])
def test_tag_links_match_the_include(tags):
    talk = _fetched(make_talk(tags=tags))

    tag = _render("{% load talklinks %}{% tag_links talk %}", talk)
    include = _render('{% include "includes/_tags.html" %}', talk)

    assert tag == include
    if "Café culture" in tags:
        assert "/tags/caf%C3%A9-culture/" in tag


def test_links_work_without_prefetching():
    talk = make_talk(speakers=[make_speaker(name="Ada Lovelace")], tags=["python"])
    plain = Talk.objects.get(pk=talk.pk)

    assert "Ada Lovelace</a>" in _render("{% load talklinks %}{% speaker_links talk %}", plain)
    assert 'href="/tags/python/"' in _render("{% load talklinks %}{% tag_links talk %}", plain)
