"""Link previews (OpenGraph, Twitter card, canonical) and schema.org JSON-LD on pages."""

import datetime
import json
import re
from html.parser import HTMLParser

import pytest

from talks.models import Talk
from talks.tests.factories import make_conference, make_day, make_speaker, make_talk

pytestmark = pytest.mark.django_db

_LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class _Head(HTMLParser):
    """Collects the <meta> and <link> tags of a page's head."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("property") or attrs.get("name")] = attrs["content"]
        elif tag == "link":
            self.links.append(attrs)


def _head(html: str) -> _Head:
    parser = _Head()
    parser.feed(html[: html.index("</head>")])
    return parser


def _json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in _LD_JSON.findall(html)]


def _get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_conference_page_has_previews_and_an_event(client):
    conference = make_conference(
        name='The "Quoted" Conf',
        start_date=datetime.date(2024, 6, 1),
        end_date=datetime.date(2024, 6, 3),
        venue="Expo Hall",
        city="Lisbon",
        country="Portugal",
        recap="A *fine* event.",
    )
    conference.logo = "conferences/logos/quoted.png"
    conference.save()
    day = make_day(conference)
    ada, grace = make_speaker(name="Ada Lovelace"), make_speaker(name="Grace Hopper")
    make_talk(day, speakers=[ada, grace])
    make_talk(day, speakers=[ada])

    html = _get(client, conference.get_absolute_url())
    head = _head(html)

    url = f"http://testserver{conference.get_absolute_url()}"
    assert head.meta["og:title"] == 'The "Quoted" Conf'
    assert 'content="The &#34;Quoted&#34; Conf"' in html
    assert head.meta["og:description"] == head.meta["description"]
    assert head.meta["description"].startswith(
        'The "Quoted" Conf, Expo Hall, Lisbon, Portugal: 2 talks'
    )
    assert head.meta["og:url"] == url
    # The social card, not the logo (talks/cards.py); JSON-LD keeps the logo.
    assert head.meta["og:image"] == f"{url}card.png"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert {"rel": "canonical", "href": url} in head.links
    [event] = _json_ld(html)
    assert event["@context"] == "https://schema.org"
    assert event["@type"] == "Event"
    assert event["name"] == 'The "Quoted" Conf'
    assert event["url"] == url
    assert (event["startDate"], event["endDate"]) == ("2024-06-01", "2024-06-03")
    assert event["location"]["name"] == "Expo Hall"
    assert event["location"]["address"]["addressLocality"] == "Lisbon"
    assert event["description"] == "A fine event."
    assert [p["name"] for p in event["performer"]] == ["Ada Lovelace", "Grace Hopper"]
    assert event["performer"][0] == {
        "@type": "Person",
        "name": "Ada Lovelace",
        "url": f"http://testserver{ada.get_absolute_url()}",
    }


def test_talk_page_has_an_event_and_a_video_object(client):
    conference = make_conference(time_zone="America/Chicago", city="Chicago")
    day = make_day(conference, date=datetime.date(2019, 9, 23))
    talk = make_talk(
        day,
        title="Typing at scale",
        start_time=datetime.time(14, 0),
        duration=datetime.timedelta(minutes=30),
        room="Room B",
        abstract="All about **types**.",
        speakers=[make_speaker(name="Guido Example")],
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )

    html = _get(client, talk.get_absolute_url())

    event, video = _json_ld(html)
    assert event["@type"] == "Event"
    assert event["startDate"] == "2019-09-23T14:00:00-05:00"
    assert event["endDate"] == "2019-09-23T14:30:00-05:00"
    assert event["location"]["name"] == "Room B, Chicago"
    assert event["description"] == "All about types."
    assert [p["name"] for p in event["performer"]] == ["Guido Example"]
    assert event["superEvent"]["url"] == f"http://testserver{conference.get_absolute_url()}"
    assert video["@type"] == "VideoObject"
    assert video["embedUrl"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert video["thumbnailUrl"] == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert video["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert _head(html).meta["og:type"] == "article"


def test_talk_without_video_or_time_has_a_dated_event_only(client):
    talk = make_talk(make_day(date=datetime.date(2009, 9, 9)), title="Untimed")

    [event] = _json_ld(_get(client, talk.get_absolute_url()))

    assert event["@type"] == "Event"
    assert event["startDate"] == "2009-09-09"
    assert "endDate" not in event


def test_json_ld_cannot_be_closed_by_talk_text(client):
    hostile = '</script><script>alert("x")</script><!-- & more'
    talk = make_talk(title=hostile, abstract=hostile)
    talk = Talk.objects.get(pk=talk.pk)

    html = _get(client, talk.get_absolute_url())

    assert "<script>alert" not in html
    assert "<!--" not in html
    blocks = _LD_JSON.findall(html)
    assert all("<" not in block and ">" not in block and "&" not in block for block in blocks)
    assert _json_ld(html)[0]["name"] == hostile


def test_speaker_page_has_a_person(client):
    speaker = make_speaker(
        name="Ada Person",
        bio="Counts **everything**.",
        website="https://ada.example.org/",
        github="ada-gh",
        mastodon="@ada@social.example",
        twitter="not a handle!",
    )
    speaker.photo = "speakers/photos/ada-person.jpg"
    speaker.save()
    talk = make_talk(make_day(date=datetime.date(2021, 4, 1)), title="Counting", speakers=[speaker])

    html = _get(client, speaker.get_absolute_url())

    [person] = _json_ld(html)
    assert person["@type"] == "Person"
    assert person["name"] == "Ada Person"
    assert person["description"] == "Counts everything."
    assert person["image"] == "http://testserver/media/speakers/photos/ada-person.jpg"
    assert person["sameAs"] == [
        "https://ada.example.org/",
        "https://github.com/ada-gh",
        "https://social.example/@ada",
    ]
    assert person["performerIn"] == [
        {
            "@type": "Event",
            "name": "Counting",
            "url": f"http://testserver{talk.get_absolute_url()}",
            "startDate": "2021-04-01",
        }
    ]
    head = _head(html)
    assert head.meta["og:type"] == "profile"
    # The social card (talks/cards.py); the photo is the Person's image.
    assert head.meta["og:image"] == f"http://testserver{speaker.get_absolute_url()}card.png"


def test_pages_without_an_image_use_a_summary_card(client):
    html = _get(client, "/")

    head = _head(html)
    assert head.meta["twitter:card"] == "summary"
    assert "og:image" not in head.meta
    assert head.meta["og:title"] == "Conference notes, talk by talk"
    assert head.meta["og:description"] == head.meta["description"] != ""
    assert _json_ld(html) == []
