#!/usr/bin/env python
"""Snapshot every public page, to check that a rewrite leaves their HTML byte-for-byte the same.

    .venv/bin/python bench/snapshot_pages.py OUTDIR

Builds a fresh SQLite database (the seed fixtures, the sample site of
talks/tests/site_sample.py, one draft conference, day, talk and note, and a few
old slugs), with the clock frozen and note uids fixed so that two runs of the
same code write identical files. Then fetches one URL of every page kind, for
every conference, day and talk (feeds, calendars, sitemaps, searches, redirects
and 404s included), anonymously into OUTDIR/anon/ and as a staff superuser into
OUTDIR/staff/. Each file holds the status line, Content-Type (and Location for
redirects), a blank line and the body. Compare two snapshots with `diff -r`.
"""

import datetime
import logging
import os
import re
import sys
import tempfile
import uuid
import warnings
from pathlib import Path
from unittest import mock
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Every request is rendered at this instant, and every row is written at it.
FROZEN_NOW = datetime.datetime(2025, 7, 1, 12, 0, tzinfo=datetime.UTC)
SEARCHES = (
    "?q=django", "?q=django&page=2", "?q=django&year=2019", "?q=python&tag=python",
    "?q=caching", "?q=keynote&kind=keynote", "?q=zzyzx-no-such-word", "?q=", "",
)  # fmt: skip
SITEMAP_SECTIONS = ("conferences", "days", "talks", "speakers", "tags")
NOT_FOUND = (
    "/no-such-conference/", "/djangocon-us-2009/no-such-day/",
    "/djangocon-us-2009/talks/no-such-talk/", "/speakers/no-such-speaker/",
    "/tags/no-such-tag/", "/tags/no-such-tag/feed/", "/no-such-conference/feed/",
    "/no-such-conference/calendar.ics", "/conferences/1999/", "/conferences/?page=9",
    "/conferences/?page=x", "/tags/?page=9", "/sitemap-nothing.xml", "/sitemap-talks.xml?p=9",
    "/speakers",  # no trailing slash: a redirect
)  # fmt: skip


def configure(workdir: Path) -> None:
    os.environ.pop("DJANGO_DEBUG", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="confnotes.settings",
        DJANGO_SECRET_KEY="snapshot-only",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        DATABASE_URL=f"sqlite:///{workdir / 'snapshot.sqlite3'}",
        CACHE_URL="dummycache://",
    )


def build_site():
    """Fixtures, the sample site and drafts; returns (sample, staff user)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from speakers.models import SpeakerOldSlug
    from talks.models import ConferenceOldSlug, DayOldSlug, Note, TalkOldSlug
    from talks.tests import factories as f
    from talks.tests.site_sample import make_sample_site

    call_command("migrate", verbosity=0, interactive=False)
    fixtures = sorted(str(path) for path in (ROOT / "fixtures").glob("*.json"))
    call_command("loaddata", *fixtures, verbosity=0)
    last_fixture_note = max(Note.objects.values_list("pk", flat=True), default=0)
    sample = make_sample_site()
    # Drafts, which only staff see: a conference, a day of a published one, a note.
    draft = f.make_conference(
        name="Harbour Draft Conf 2026", series="Harbour", start_date=datetime.date(2026, 3, 10),
        end_date=datetime.date(2026, 3, 10), published=False,
    )  # fmt: skip
    draft_talk = f.make_talk(
        f.make_day(draft), title="Unannounced keynote", speakers=[sample.speaker],
        tags=["python"], start_time=datetime.time(9, 30),
    )  # fmt: skip
    f.make_note(talk=draft_talk, body="Notes on a conference not announced yet.")
    hidden_day = f.make_day(sample.conference, title="Hidden day", published=False)
    f.make_talk(hidden_day, title="Talk on a hidden day", speakers=[sample.speaker])
    f.make_note(talk=sample.talk, body="A draft note, *unpublished*.", published=False)
    # Old slugs, whose URLs redirect to the current ones.
    ConferenceOldSlug.objects.create(conference=sample.conference, slug="riverside-old")
    DayOldSlug.objects.create(day=sample.day, slug="old-day")
    TalkOldSlug.objects.create(talk=sample.talk, slug="old-talk")
    SpeakerOldSlug.objects.create(speaker=sample.speaker, slug="old-speaker")
    # Note uids come from uuid4: fixed here, they are printed in the feeds.
    for pk in Note.objects.filter(pk__gt=last_fixture_note).values_list("pk", flat=True):
        Note.objects.filter(pk=pk).update(uid=uuid.UUID(int=pk))
    staff = get_user_model().objects.create_superuser("snapshot-staff", "staff@example.org")
    return sample, staff


def page_urls(sample) -> list[str]:
    from taggit.models import Tag

    from speakers.models import Speaker
    from talks.models import Conference, Day, Talk

    conferences = Conference.objects.order_by("pk").values_list("slug", "start_date")
    years = sorted({start.year for _slug, start in conferences if start})
    urls = ["/", "/conferences/", *(f"/conferences/{year}/" for year in years)]
    for slug, _start in conferences:
        urls += [f"/{slug}/", f"/{slug}/feed/", f"/{slug}/calendar.ics"]
    for conf, day in Day.objects.order_by("pk").values_list("conference__slug", "slug"):
        urls += [f"/{conf}/{day}/", f"/{conf}/{day}/calendar.ics"]
    talks = Talk.objects.order_by("pk").values_list("conference__slug", "slug")
    urls += [f"/{conf}/talks/{talk}/" for conf, talk in talks]
    urls += ["/speakers/", "/speakers/?page=2"]
    for slug in Speaker.objects.order_by("pk").values_list("slug", flat=True):
        urls += [f"/speakers/{slug}/", f"/speakers/{slug}/feed/"]
    urls += ["/tags/", "/tags/?page=2"]
    for slug in Tag.objects.order_by("pk").values_list("slug", flat=True):
        urls += [f"/tags/{quote(slug)}/", f"/tags/{quote(slug)}/feed/"]
    urls += [f"/search/{query}" for query in SEARCHES]
    urls += ["/feeds/notes/", "/robots.txt", "/sitemap.xml"]
    urls += [f"/sitemap-{section}.xml" for section in SITEMAP_SECTIONS]
    conf, day, talk = sample.conference.slug, sample.day.slug, sample.talk.slug
    urls += [
        "/riverside-old/", f"/riverside-old/{day}/", f"/riverside-old/talks/{talk}/?x=1",
        "/riverside-old/feed/", "/riverside-old/calendar.ics", f"/{conf}/old-day/",
        f"/{conf}/old-day/calendar.ics", f"/{conf}/talks/old-talk/", "/speakers/old-speaker/",
        "/speakers/old-speaker/feed/",
    ]  # fmt: skip
    urls += [*sample.pages.values(), *NOT_FOUND]
    return list(dict.fromkeys(urls))  # in order, once each


def file_name(url: str) -> str:
    """`/` is "home", `/speakers/?page=2` is "speakers__page_2"."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", url.removeprefix("/")) or "home"


def snapshot(client, urls: list[str], outdir: Path) -> int:
    outdir.mkdir(parents=True)
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            print(f"warning: {response.status_code} for {url}", file=sys.stderr)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        head = f"{response.status_code}\nContent-Type: {response.get('Content-Type', '')}\n"
        if response.has_header("Location"):
            head += f"Location: {response['Location']}\n"
        path = outdir / f"{file_name(url)}.txt"
        assert not path.exists(), f"two URLs make the file name {path.name}"
        path.write_bytes(head.encode() + b"\n" + body)
    return len(urls)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    if outdir.exists() and any(outdir.iterdir()):
        print(f"{outdir} is not empty", file=sys.stderr)
        return 2
    workdir = tempfile.TemporaryDirectory(prefix="confnotes-snapshot-")
    configure(Path(workdir.name))
    import django

    django.setup()
    from django.test import Client
    from django.utils.feedgenerator import SyndicationFeed

    logging.getLogger("django.request").setLevel(logging.ERROR)  # not every 404
    warnings.filterwarnings("ignore", "No directory at")  # whitenoise: no collectstatic run
    latest_post_date = SyndicationFeed.latest_post_date

    def frozen_latest_post_date(feed):  # an empty feed's <updated> is the clock's time
        return latest_post_date(feed) if feed.items else FROZEN_NOW

    with (
        mock.patch("django.utils.timezone.now", return_value=FROZEN_NOW),
        mock.patch.object(SyndicationFeed, "latest_post_date", frozen_latest_post_date),
    ):
        sample, staff = build_site()
        urls = page_urls(sample)
        written = snapshot(Client(raise_request_exception=False), urls, outdir / "anon")
        staff_client = Client(raise_request_exception=False)
        staff_client.force_login(staff)
        written += snapshot(staff_client, urls, outdir / "staff")
    workdir.cleanup()
    print(f"{written} pages written to {outdir} ({len(urls)} URLs, anonymous and staff)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
