"""Slugs that no URL can carry: refused by the models, and harmless where one got in
past them (an SQL update, a raw fixture): the pages that list the row still render."""

import pytest
from django.core.exceptions import ValidationError

from speakers.models import Speaker
from talks.models import Author, Conference, Day, Talk
from talks.tests.factories import make_conference, make_day, make_speaker, make_talk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "slug"),
    [
        (lambda slug: Talk(day=make_day(), title="T", slug=slug), "two words"),
        (lambda slug: Talk(day=make_day(), title="T", slug=slug), "a/b"),
        (lambda slug: Speaker(name="Ada", slug=slug), "ada lovelace"),
        (lambda slug: Author(name="Ada", slug=slug), "ada?"),
        (lambda slug: Conference(name="C", slug=slug), "no.dots"),
        (lambda slug: Conference(name="C", slug=slug), "admin"),
        (lambda slug: Day(conference=make_conference(), date="2020-01-01", slug=slug), "feed"),
        (lambda slug: Day(conference=make_conference(), date="2020-01-01", slug=slug), "é"),
    ],
)
def test_a_slug_no_url_can_carry_is_refused_on_save(make, slug):
    obj = make(slug)

    with pytest.raises(ValidationError) as refused:
        obj.save()

    assert f"“{slug}” cannot be this" in str(refused.value)
    assert obj.pk is None


def test_a_bad_slug_written_past_save_breaks_no_other_row(client):
    day = make_day()
    good = make_talk(day, title="Good talk")
    bad = make_talk(day, title="Broken talk", speakers=[make_speaker(name="Grace Hopper")])
    Talk.objects.filter(pk=bad.pk).update(slug="broken talk/..")
    pages = [
        day.conference.get_absolute_url(),
        day.get_absolute_url(),
        good.get_absolute_url(),
        "/speakers/grace-hopper/",
        "/sitemap-talks.xml",
        "/search/?q=talk",
    ]

    for url in pages:
        assert client.get(url).status_code == 200, url
    listing = client.get(day.conference.get_absolute_url()).content.decode()
    assert f'href="{good.get_absolute_url()}"' in listing
    # The broken row is listed; its link, one escaped path segment, leads to a 404.
    broken_path = f"/{day.conference.slug}/talks/broken%20talk%2F../"
    assert f'href="{broken_path}">Broken talk</a>' in listing
    assert client.get(broken_path).status_code == 404
