"""Link previews and schema.org JSON-LD for conference, talk and speaker pages.

Everything here works from objects the page views have already fetched: no
function touches the database. JSON-LD is built as Python data, dumped with
json.dumps and escaped so that no text of a talk can close the script element.
"""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from confnotes.markdown import html_to_text
from talks.times import conference_zone, talk_start_value, talk_times
from talks.video import player_url, youtube_id

SCHEMA_CONTEXT = "https://schema.org"
DESCRIPTION_CHARS = 300
# A conference page names at most this many performers: enough for search
# engines, and it keeps the page small for conferences with hundreds of talks.
MAX_CONFERENCE_PERFORMERS = 100

# The same escapes as django.utils.html.json_script: "<", ">" and "&" never
# appear literally, so neither "</script>" nor "<!--" can end the data block.
_JSON_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))
_MASTODON_HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})$")
_PLAIN_HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)$")


def json_ld_script(data: dict) -> SafeString:
    """A `<script type="application/ld+json">` element holding `data`, safely escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    # Every character that could end the element is escaped above the JSON level: by
    # str.replace, since str.translate is about 100 times slower on text that is not
    # ASCII only (2.5 ms for a day page's data).
    for character, escape in _JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text),
    )


def plain_text(html_text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The text of sanitized HTML, on one line, cut at `limit` characters."""
    return Truncator(html_to_text(html_text)).chars(limit)


def _person(speaker, absolute) -> dict:
    return {"@type": "Person", "name": speaker.name, "url": absolute(speaker.get_absolute_url())}


def _place(conference, room: str = "") -> dict | None:
    address = {
        key: value
        for key, value in (
            ("addressLocality", conference.city),
            ("addressCountry", conference.country),
        )
        if value
    }
    name = ", ".join(part for part in (room, conference.venue or conference.city) if part)
    if not name and not address:
        return None
    place = {"@type": "Place", "name": name or conference.place}
    if address:
        place["address"] = {"@type": "PostalAddress", **address}
    return place


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def note_articles(notes, *, absolute) -> list[dict]:
    """schema.org Articles of published notes: every author, and the work each was first
    published as (`isBasedOn`)."""
    articles = []
    for note in notes:
        if not note.published:
            continue
        source = None
        if note.has_source:
            source = _drop_empty(
                {
                    "@type": "CreativeWork",
                    "name": note.source_title,
                    "url": note.source_url,
                    "author": {"@type": "Person", "name": note.source_author}
                    if note.source_author
                    else None,
                    "publisher": {"@type": "Organization", "name": note.source_site}
                    if note.source_site
                    else None,
                    "datePublished": note.source_date,
                }
            )
        articles.append(
            _drop_empty(
                {
                    "@type": "Article",
                    "url": absolute(note.get_absolute_url()),
                    "author": [
                        {
                            "@type": "Person",
                            "name": author.name,
                            "url": absolute(author.get_absolute_url()),
                        }
                        for author in note.author_list
                    ],
                    "datePublished": note.published_at.isoformat() if note.published_at else None,
                    "dateModified": note.updated.isoformat() if note.updated else None,
                    "isBasedOn": source,
                }
            )
        )
    return articles


def conference_event(conference, talks, *, absolute, notes=()) -> dict:
    """schema.org Event of a conference; `talks` are its listed talks with speakers."""
    performers, seen = [], set()
    for talk in talks:
        for speaker in talk.listed_speakers():
            if speaker.pk not in seen and len(performers) < MAX_CONFERENCE_PERFORMERS:
                seen.add(speaker.pk)
                performers.append(_person(speaker, absolute))
    return _drop_empty(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Event",
            "name": conference.name,
            "url": absolute(conference.get_absolute_url()),
            "startDate": conference.start_date,
            "endDate": conference.end_date,
            "description": plain_text(conference.recap_html),
            "location": _place(conference),
            "image": absolute(conference.logo.url) if conference.logo else None,
            "sameAs": conference.website,
            "performer": performers,
            "subjectOf": note_articles(notes, absolute=absolute),
        }
    )


def day_event(day, talks, *, absolute, notes=()) -> dict:
    """schema.org Event of a conference day, its items (fetched without speakers) as
    sub-events: each names its talk page, where its speakers are."""
    conference = day.conference
    zone = conference_zone(conference)
    return _drop_empty(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Event",
            "name": f"{conference.name}, {day.label}",
            "url": absolute(day.get_absolute_url()),
            "startDate": day.date,
            "endDate": day.date,
            "description": plain_text(day.summary_html),
            "location": _place(conference),
            "superEvent": {
                "@type": "Event",
                "name": conference.name,
                "url": absolute(conference.get_absolute_url()),
            },
            "subEvent": [
                _drop_empty(
                    {
                        "@type": "Event",
                        "name": talk.title,
                        "url": absolute(talk.get_absolute_url()),
                        "startDate": talk_start_value(talk, day_date=day.date, zone=zone),
                    }
                )
                for talk in talks
            ],
            "subjectOf": note_articles(notes, absolute=absolute),
        }
    )


def _clip(talk) -> dict | None:
    """The talk as a schema.org Clip of its recording, when it starts or ends inside it."""
    if not talk.video_start and talk.video_end is None:
        return None
    return _drop_empty(
        {
            "@type": "Clip",
            "name": talk.title,
            "startOffset": talk.video_start or 0,
            "endOffset": talk.video_end,
            "url": talk.video_link,
        }
    )


def talk_structured_data(talk, *, absolute, notes=()) -> list[dict]:
    """schema.org Event of a talk, and a VideoObject when it has a video (with the talk as
    a Clip of it when the talk is a part of a longer recording)."""
    conference, day = talk.conference, talk.day
    start, end = talk_times(talk, day_date=day.date, zone=conference_zone(conference))
    url = absolute(talk.get_absolute_url())
    description = plain_text(talk.abstract_html)
    event = _drop_empty(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Event",
            "name": talk.title,
            "url": url,
            "startDate": start.isoformat() if start else day.date,
            "endDate": end.isoformat() if end else None,
            "description": description,
            "inLanguage": talk.language,
            "location": _place(conference, talk.room),
            "performer": [_person(speaker, absolute) for speaker in talk.listed_speakers()],
            "superEvent": {
                "@type": "Event",
                "name": conference.name,
                "url": absolute(conference.get_absolute_url()),
            },
            "subjectOf": note_articles(notes, absolute=absolute),
        }
    )
    items = [event]
    if talk.video_url:
        video = youtube_id(talk.video_url)
        items.append(
            _drop_empty(
                {
                    "@context": SCHEMA_CONTEXT,
                    "@type": "VideoObject",
                    "name": talk.title,
                    "description": description
                    or _("Video of “%(talk)s” at %(conference)s.")
                    % {"talk": talk.title, "conference": conference.name},
                    "url": talk.video_url,
                    "embedUrl": player_url(talk.video_url),  # the whole recording
                    "hasPart": _clip(talk),
                    "thumbnailUrl": f"https://i.ytimg.com/vi/{video}/hqdefault.jpg"
                    if video
                    else None,
                    "recordedAt": {"@type": "Event", "name": talk.title, "url": url},
                }
            )
        )
    return items


def _profiles(speaker) -> list[str]:
    """Absolute addresses of a speaker's profiles elsewhere, for `sameAs`."""
    links = [speaker.website] if speaker.website else []
    handles = (
        (speaker.github, "https://github.com/{}"),
        (speaker.twitter, "https://x.com/{}"),
        (speaker.bluesky, "https://bsky.app/profile/{}"),
    )
    for handle, pattern in handles:
        match = _PLAIN_HANDLE.match((handle or "").strip())
        if match:
            links.append(pattern.format(match.group(1)))
    mastodon = _MASTODON_HANDLE.match((speaker.mastodon or "").strip())
    if mastodon:
        links.append(f"https://{mastodon.group(2)}/@{mastodon.group(1)}")
    return links


def speaker_person(speaker, talks, *, absolute) -> dict:
    """schema.org Person of a speaker, with the talks they gave as events."""
    return _drop_empty(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Person",
            "name": speaker.name,
            "alternateName": [alias.name for alias in getattr(speaker, "public_aliases", ())],
            "url": absolute(speaker.get_absolute_url()),
            "description": plain_text(speaker.bio_html),
            "image": absolute(speaker.photo.url) if speaker.photo else None,
            "sameAs": _profiles(speaker),
            "performerIn": [
                {
                    "@type": "Event",
                    "name": talk.title,
                    "url": absolute(talk.get_absolute_url()),
                    "startDate": talk_start_value(
                        talk, day_date=talk.day.date, zone=conference_zone(talk.conference)
                    ),
                }
                for talk in talks
            ],
        }
    )
