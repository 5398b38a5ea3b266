"""The API's objects as plain dicts, built from rows the views fetched: no function here
queries the database (the views' query counts are pinned by talks/tests/test_api.py).

Every object carries `url` (its page) and `api_url` (itself). Related objects are
named by slug unless the request expands them (`?expand=speakers`), as pretalx does
with its ids.
"""

from django.utils.duration import duration_iso_string

from confnotes.paths import slug_path
from talks.times import conference_zone, talk_times


class Links:
    """Absolute URLs of pages and API objects, from one scheme and host per request."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/").rstrip("/")

    def __call__(self, path: str) -> str:
        return f"{self.base}{path}"

    def api(self, name: str, **slugs) -> str:
        return f"{self.base}{slug_path(f'api:{name}', **slugs)}"

    def media(self, field) -> str | None:
        if not field:
            return None
        url = field.url
        return url if url.startswith(("http://", "https://")) else f"{self.base}{url}"


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _moment(value) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------
# Conferences and days


def conference(
    row, links: Links, *, expand=frozenset(), talk_count=None, days=(), detail=False
) -> dict:
    slug = row.slug
    data = {
        "id": row.pk,
        "slug": slug,
        "name": row.name,
        "series": row.series,
        "start_date": _date(row.start_date),
        "end_date": _date(row.end_date),
        "time_zone": row.time_zone or None,
        "city": row.city,
        "country": row.country,
        "venue": row.venue,
        "website": row.website,
        "tags": [tag.slug for tag in sorted(row.tag_list, key=lambda tag: tag.pk)],
        "talk_count": talk_count,
        "url": links(row.get_absolute_url()),
        "api_url": links.api("conference_detail", conference=slug),
        "days_url": f"{links.api('day_list')}?conference={slug}",
        "talks_url": f"{links.api('talk_list')}?conference={slug}",
        "notes_url": f"{links.api('note_list')}?conference={slug}",
        "updated": _moment(row.updated),
    }
    if detail:
        data["recap"] = row.recap
        data["recap_html"] = row.recap_html
    if "days" in expand:
        data["days"] = [day(item, links, conference_row=row) for item in days]
    return data


def conference_summary(row, links: Links) -> dict:
    """A conference as other objects embed it when expanded."""
    return {
        "slug": row.slug,
        "name": row.name,
        "start_date": _date(row.start_date),
        "time_zone": row.time_zone or None,
        "url": links(row.get_absolute_url()),
        "api_url": links.api("conference_detail", conference=row.slug),
    }


def day(row, links: Links, *, expand=frozenset(), conference_row=None, detail=False) -> dict:
    parent = conference_row or row.conference
    data = {
        "id": row.pk,
        "conference": conference_summary(parent, links) if "conference" in expand else parent.slug,
        "slug": row.slug,
        "date": _date(row.date),
        "position": row.position,
        "title": row.title,
        "label": row.label,
        "in_order": row.in_order,
        "url": links(slug_path("talks:day_detail", conference=parent.slug, day=row.slug)),
        "api_url": links.api("day_detail", conference=parent.slug, day=row.slug),
        "talks_url": f"{links.api('talk_list')}?conference={parent.slug}&day={row.slug}",
        "updated": _moment(row.updated),
    }
    if detail:
        data["summary"] = row.summary
        data["summary_html"] = row.summary_html
    return data


def day_summary(row, parent, links: Links) -> dict:
    return {
        "slug": row.slug,
        "date": _date(row.date),
        "label": row.label,
        "url": links(slug_path("talks:day_detail", conference=parent.slug, day=row.slug)),
        "api_url": links.api("day_detail", conference=parent.slug, day=row.slug),
    }


# ---------------------------------------------------------------------------
# Talks


def talk(row, links: Links, *, expand=frozenset(), detail=False) -> dict:
    parent, program_day = row.conference, row.day
    start, end = talk_times(row, day_date=program_day.date, zone=conference_zone(parent))
    speakers = row.listed_speakers()
    tags = row.listed_tags()
    data = {
        "id": row.pk,
        "conference": conference_summary(parent, links) if "conference" in expand else parent.slug,
        "day": day_summary(program_day, parent, links) if "day" in expand else program_day.slug,
        "slug": row.slug,
        "title": row.title,
        "kind": row.kind,
        "language": row.language,
        "position": row.position,
        "date": _date(program_day.date),
        "start": _moment(start),
        "end": _moment(end),
        "duration": duration_iso_string(row.duration) if row.duration else None,
        "room": row.room,
        "track": row.track,
        "speakers": [speaker_summary(s, links) for s in speakers]
        if "speakers" in expand
        else [s.slug for s in speakers],
        "tags": [tag_summary(t, links) for t in tags]
        if "tags" in expand
        else [t.slug for t in tags],
        "slides_url": row.slides_url,
        "video_url": row.video_url,
        "video_start": row.video_start,
        "video_end": row.video_end,
        "url": links(slug_path("talks:talk_detail", conference=parent.slug, talk=row.slug)),
        "api_url": links.api("talk_detail", conference=parent.slug, talk=row.slug),
        "updated": _moment(row.updated),
    }
    if detail:
        data["abstract"] = row.abstract
        data["abstract_html"] = row.abstract_html
        data["links"] = [
            {"kind": link.kind, "url": link.url, "title": link.title} for link in row.link_rows
        ]
        data["notes_url"] = links.api("note_list") + f"?conference={parent.slug}"
    return data


def collapse_talk(data: dict, expand) -> dict:
    """A talk serialized with every relation expanded, as `expand` asks for it: the
    relations not asked for by slug."""
    data = dict(data)
    for name in ("conference", "day"):
        if name not in expand:
            data[name] = data[name]["slug"]
    for name in ("speakers", "tags"):
        if name not in expand:
            data[name] = [item["slug"] for item in data[name]]
    return data


# ---------------------------------------------------------------------------
# Speakers and tags


def speaker_summary(row, links: Links) -> dict:
    return {
        "slug": row.slug,
        "name": row.name,
        "url": links(slug_path("talks:speaker_detail", slug=row.slug)),
        "api_url": links.api("speaker_detail", slug=row.slug),
    }


def speaker(row, links: Links, *, detail=False) -> dict:
    data = {
        "id": row.pk,
        **speaker_summary(row, links),
        "photo_thumbnail": links.media(row.photo_thumbnail),
        "talks_url": f"{links.api('talk_list')}?speaker={row.slug}",
    }
    if detail:
        data.update(
            {
                "bio": row.bio,
                "bio_html": row.bio_html,
                "photo": links.media(row.photo),
                "website": row.website,
                "github": row.github,
                "mastodon": row.mastodon,
                "bluesky": row.bluesky,
                "twitter": row.twitter,
                "aliases": [alias.name for alias in row.public_aliases],
                "talk_count": row.talk_count,
                "updated": _moment(row.updated),
            }
        )
    return data


def tag_summary(row, links: Links) -> dict:
    return {
        "slug": row.slug,
        "name": row.name,
        "url": links(slug_path("talks:tag_detail", slug=row.slug)),
        "api_url": links.api("tag_detail", slug=row.slug),
    }


def tag(row, links: Links, *, talk_count: int) -> dict:
    return {
        "id": row.pk,
        **tag_summary(row, links),
        "talk_count": talk_count,
        "talks_url": f"{links.api('talk_list')}?tag={row.slug}",
    }


# ---------------------------------------------------------------------------
# Notes


def _subject(row, links: Links) -> dict:
    if row.talk_id:
        item, parent = row.talk, row.talk.conference
        return {
            "type": "talk",
            "conference": parent.slug,
            "slug": item.slug,
            "title": item.title,
            "api_url": links.api("talk_detail", conference=parent.slug, talk=item.slug),
        }
    if row.day_id:
        item, parent = row.day, row.day.conference
        return {
            "type": "day",
            "conference": parent.slug,
            "slug": item.slug,
            "title": item.label,
            "api_url": links.api("day_detail", conference=parent.slug, day=item.slug),
        }
    item = row.conference
    return {
        "type": "conference",
        "conference": item.slug,
        "slug": item.slug,
        "title": item.name,
        "api_url": links.api("conference_detail", conference=item.slug),
    }


def note(row, links: Links, *, detail: bool = False) -> dict:
    subject = _subject(row, links)
    data = {
        "id": str(row.uid),
        "subject": subject,
        "authors": [
            {"name": author.name, "slug": author.slug, "url": links(author.get_absolute_url())}
            for author in row.author_list
        ],
        "body_html": row.body_html,
        "published_at": _moment(row.published_at),
        "source": {
            "url": row.source_url,
            "title": row.source_title,
            "site": row.source_site,
            "author": row.source_author,
            "date": _date(row.source_date),
        }
        if row.has_source or row.source_author or row.source_date
        else None,
        "url": f"{subject_page(row, links)}#note-{row.uid}",
        "api_url": links.api("note_detail", uid=str(row.uid)),
        "updated": _moment(row.updated),
    }
    if detail:  # the Markdown too: lists carry the HTML only, half the bytes
        data["body"] = row.body
    return data


def subject_page(row, links: Links) -> str:
    if row.talk_id:
        parent = row.talk.conference
        return links(slug_path("talks:talk_detail", conference=parent.slug, talk=row.talk.slug))
    if row.day_id:
        parent = row.day.conference
        return links(slug_path("talks:day_detail", conference=parent.slug, day=row.day.slug))
    return links(row.conference.get_absolute_url())
