import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from talks.models import (
    Conference,
    Note,
)
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_talk,
)
from talks.video import player_url, youtube_id

pytestmark = pytest.mark.django_db


def test_conference_slug_filled_from_name_and_unique():
    first = make_conference(name="DjangoCon US 2019")
    second = make_conference(name="DjangoCon US 2019")

    assert first.slug == "djangocon-us-2019"
    assert second.slug == "djangocon-us-2019-2"


def test_conference_slug_never_takes_a_reserved_name():
    conference = make_conference(name="Speakers")

    assert conference.slug == "speakers-2"
    with pytest.raises(ValidationError):
        Conference(name="x", slug="admin").full_clean()


def test_conference_end_before_start_is_refused():
    with pytest.raises(IntegrityError):
        make_conference(start_date=datetime.date(2020, 1, 5), end_date=datetime.date(2020, 1, 1))


def test_conference_source_and_external_id_are_unique():
    make_conference(source="pyvideo", external_id="djangocon-2009")
    with pytest.raises(IntegrityError):
        make_conference(source="pyvideo", external_id="djangocon-2009")


def test_conference_recap_rendered_on_save():
    conference = make_conference(recap="Hello <script>alert(1)</script>**world**")

    assert conference.recap_html == "<p>Hello <strong>world</strong></p>"


def test_day_position_and_slug_default_from_date_order():
    conference = make_conference(start_date=datetime.date(2020, 5, 1), end_date=None)
    second = make_day(conference, date=datetime.date(2020, 5, 2))
    make_day(conference, date=datetime.date(2020, 5, 1), position=1, slug="opening")
    sprints = make_day(conference, date=datetime.date(2020, 5, 3), title="Sprints")

    assert (second.position, second.slug) == (1, "day-1")
    assert (sprints.position, sprints.slug) == (3, "sprints")
    assert sprints.label == "Day 3: Sprints"


def test_day_date_is_unique_per_conference():
    day = make_day()
    with pytest.raises(IntegrityError):
        make_day(day.conference, date=day.date)


def test_talk_takes_conference_from_day_and_unique_slug_within_it():
    day = make_day()
    first = make_talk(day, title="Lightning Talks")
    second = make_talk(day, title="Lightning Talks")
    elsewhere = make_talk(make_day(), title="Lightning Talks")

    assert first.conference_id == day.conference_id
    assert (first.slug, second.slug, elsewhere.slug) == (
        "lightning-talks",
        "lightning-talks-2",
        "lightning-talks",
    )


def test_talk_end_time_from_start_and_duration():
    talk = make_talk(start_time=datetime.time(23, 30), duration=datetime.timedelta(minutes=45))

    assert talk.end_time == datetime.time(0, 15)
    assert make_talk(start_time=datetime.time(9, 0)).end_time is None


def test_note_must_be_about_a_talk_or_a_day_not_both():
    talk = make_talk()
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(body="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(body="x", talk=talk, day=talk.day)
    assert not Note.objects.exists()


def test_note_published_at_set_when_published_and_byline():
    draft = make_note(talk=make_talk(), published=False)
    assert draft.published_at is None

    draft.published = True
    draft.save()

    assert draft.published_at is not None
    assert draft.byline.startswith("Wendy Writer")
    assert make_note(talk=draft.talk, authors=["Rob H"]).byline == "Rob H"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("https://youtu.be/O6-PbTPAFXw?t=10", "O6-PbTPAFXw"),
        ("https://www.youtube.com/embed/O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("http://m.youtube.com/watch?feature=share&v=O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("https://www.youtube.com/watch?v=bad", ""),
        ("https://evil.example/watch?v=O6-PbTPAFXw", ""),
        ("https://archive.org/details/pyvideo_14", ""),
        ("", ""),
        ("http://[::1", ""),
    ],
)
def test_youtube_id_recognises_only_youtube_links(url, expected):
    assert youtube_id(url) == expected


def test_youtube_embed_uses_privacy_enhanced_host():
    assert player_url("https://youtu.be/O6-PbTPAFXw") == (
        "https://www.youtube-nocookie.com/embed/O6-PbTPAFXw"
    )
