"""Hostile input: XSS payloads in every field a reader sees, URL fuzzing, bad uploads, CSRF."""

import io

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from markupsafe import escape  # how the public pages (Jinja2) escape
from PIL import Image

from confnotes.text import clean_text
from speakers.models import Speaker
from speakers.tests.samples import bomb_png_bytes, huge_header_png_bytes
from talks.models import Author, Conference, Note, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
    make_user,
)
from talks.tests.hostile import XSS_PAYLOADS, dangerous_markup
from talks.tests.site_sample import make_sample_site

# ---------------------------------------------------------------------------
# An archive written by an attacker


def _make_hostile_archive(group_size: int = 1) -> list[str]:
    """Payloads in every text a reader sees; returns the public pages that show them.

    Each group of `group_size` payloads makes one conference with one day: every
    payload is a talk title, a speaker name, a tag and a note of its own, and the
    group's payloads together fill the recap, the day summary, the abstracts and
    the bios. A group of one checks each payload alone; larger groups put many
    on one page for the (slower) browser.
    """
    pages = ["/", reverse("talks:conference_list"), reverse("talks:speaker_list")]
    pages.append(reverse("talks:tag_list"))
    for start in range(0, len(XSS_PAYLOADS), group_size):
        group = XSS_PAYLOADS[start : start + group_size]
        joined = "\n\n".join(group)
        first = group[0]
        conference = make_conference(
            name=first[:200],
            series=group[-1][:200],
            city=group[len(group) // 2][:100],
            venue=first[:200],
            recap=joined,
        )
        day = make_day(conference, title=first[:200], summary=joined)
        make_note(day=day, body=joined, authors=[group[-1][:200]])
        talks, speakers = [], []
        for payload in group:
            conference.tags.add(payload[:100])
            speaker = make_speaker(name=payload[:200], bio=joined, mastodon=payload[:200])
            talk = make_talk(
                day,
                title=payload[:300],
                abstract=joined,
                room=payload[:200],
                track=payload[:200],
                language=payload[:20],
                speakers=[speaker, make_speaker()],
                tags=[payload[:100], "hostile"],
            )
            make_link(talk, title=payload[:300])
            make_note(talk=talk, body=payload, authors=[payload[:200]])
            talks.append(talk)
            speakers.append(speaker)
        tag_slug = talks[0].tags.get(name=clean_text(first[:100])).slug  # as stored
        pages += [
            conference.get_absolute_url(),
            day.get_absolute_url(),
            talks[0].get_absolute_url(),
            speakers[0].get_absolute_url(),
            reverse("talks:tag_detail", kwargs={"slug": tag_slug}),
        ]
        pages += _optional_pages(first, conference, speakers[0], tag_slug)
    return list(dict.fromkeys(pages))


def _optional_pages(payload, conference, speaker, tag_slug) -> list[str]:
    """Search and feed pages, where this version of the site has them."""
    from urllib.parse import urlencode

    candidates = [
        ("talks:search", {}, "?" + urlencode({"q": payload})),
        ("talks:notes_feed", {}, ""),
        ("talks:conference_feed", {"conference": conference.slug}, ""),
        ("talks:speaker_feed", {"slug": speaker.slug}, ""),
        ("talks:tag_feed", {"slug": tag_slug}, ""),
    ]
    return [reverse(name, kwargs=kwargs) + query for name, kwargs, query in candidates]


def _dangerous_markup_by_page(client, pages) -> dict[str, list]:
    """{page: markup that could run} for every page among `pages` that has some; each must be 200."""
    problems = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        found = dangerous_markup(response.content.decode())
        if found:
            problems[page] = found
    return problems


@pytest.mark.django_db
def test_payloads_in_every_field_render_as_text_not_markup(client):
    pages = _make_hostile_archive()

    assert _dangerous_markup_by_page(client, pages) == {}

    # Titles and names are escaped, not dropped: the reader sees what was typed.
    talk = Talk.objects.get(title=XSS_PAYLOADS[0])
    html = client.get(talk.get_absolute_url()).content.decode()
    assert f"<h1>{escape(XSS_PAYLOADS[0])}</h1>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_script_urls_stored_without_validation_are_not_linked(client, url):
    """Imports and bulk writes skip form validation: a stored script URL must still not link."""
    conference = make_conference(website=url)
    talk = make_talk(make_day(conference), slides_url=url, video_url=url)
    make_link(talk, url=url, title="Further reading")
    speaker = make_speaker(website=url)
    talk.talk_speakers.create(speaker=speaker, position=1)

    for page in (
        conference.get_absolute_url(),
        talk.day.get_absolute_url(),
        talk.get_absolute_url(),
        speaker.get_absolute_url(),
    ):
        response = client.get(page)
        assert response.status_code == 200
        assert dangerous_markup(response.content.decode()) == [], page


@pytest.mark.django_db
def test_payloads_through_the_admin_render_safely(admin_client, client):
    day = make_day()
    payload_title, payload_body = XSS_PAYLOADS[5], XSS_PAYLOADS[12] + "\n\n" + XSS_PAYLOADS[20]
    response = admin_client.post(
        reverse("admin:talks_talk_add"),
        {
            "day": day.pk,
            "title": payload_title,
            "slug": "",
            "kind": "talk",
            "tags": '"<svg onload=alert(1)>", hostile',
            "position": 1,
            "abstract": payload_body,
            "talk_speakers-TOTAL_FORMS": 0,
            "talk_speakers-INITIAL_FORMS": 0,
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
            "notes-TOTAL_FORMS": 1,
            "notes-INITIAL_FORMS": 0,
            "notes-0-body": payload_body,
            "notes-0-published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    speaker_response = admin_client.post(
        reverse("admin:speakers_speaker_add"),
        {
            "name": XSS_PAYLOADS[9],
            "slug": "",
            "bio": payload_body,
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
        },
    )
    assert speaker_response.status_code == 302
    author_response = admin_client.post(
        reverse("admin:talks_author_add"), {"name": XSS_PAYLOADS[4], "slug": "hostile-author"}
    )
    assert author_response.status_code == 302, author_response.content.decode()[:2000]
    talk = Talk.objects.get(title=payload_title)
    Note.objects.get(talk=talk).set_authors([Author.objects.get(slug="hostile-author")])
    talk.talk_speakers.create(speaker=Speaker.objects.get(name=XSS_PAYLOADS[9]), position=1)
    assert Note.objects.get(talk=talk).body == payload_body  # stored as typed

    for page in (talk.get_absolute_url(), day.get_absolute_url(), "/speakers/", "/tags/"):
        html = client.get(page).content.decode()
        assert dangerous_markup(html) == [], page
    html = client.get(talk.get_absolute_url()).content.decode()
    assert escape(payload_title) in html
    # The admin's own preview of the stored HTML is as clean as the public page.
    change = admin_client.get(reverse("admin:talks_talk_change", args=[talk.pk])).content.decode()
    preview = change[change.index("Abstract as published") :]
    assert dangerous_markup(preview.split("</div>", 2)[0]) == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_payloads_run_no_script_in_a_real_browser(open_page, settings):
    # Without the Content Security Policy, so the sanitizer alone is what is tested.
    settings.SECURE_CSP = {}
    pages = _make_hostile_archive(group_size=12)
    recorder = open_page()
    page = recorder.page

    leaks = {}
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        assert "content-security-policy" not in response.headers
        found = page.evaluate(
            """() => {
                const found = [];
                for (const el of document.querySelectorAll('*')) {
                    for (const attr of el.attributes) {
                        if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
                    }
                }
                for (const a of document.querySelectorAll('[href],[src],[action]')) {
                    const url = (a.getAttribute('href') || a.getAttribute('src')
                                 || a.getAttribute('action')).replace(/[\\x00-\\x20]/g, '');
                    if (/^(javascript|vbscript|data):/i.test(url)) found.push(a.outerHTML);
                }
                for (const s of document.scripts) {
                    if (s.type !== 'application/ld+json') found.push(s.outerHTML);
                }
                return found;
            }"""
        )
        # Hover and focus everything a handler could have been hung on.
        page.mouse.move(200, 200)
        page.keyboard.press("Tab")
        if found:
            leaks[path] = found
    assert leaks == {}
    assert recorder.dialogs == []
    assert recorder.page_errors == []
    assert recorder.console_errors == []


# ---------------------------------------------------------------------------
# URL and query-string fuzzing


FUZZ_QUERIES = [
    "?page=0",
    "?page=-1",
    "?page=x",
    "?page=1.5",
    "?page=99999999999999999999999999",
    "?page=1&page=x",
    "?page[]=1",
    "?page[0]=1&page[1]=2",
    "?page=%00",
    "?page=%ff%fe",
    "?page=" + "9" * 5000,
    "?q=%ff&q[]=x",
    "?%ff=%fe",
    "?page=1e3",
    "?page=%20",
    "?q=%00",
    "?q=a%00b&page=2",
    "?q=" + "%ff" * 300,
]


def _fuzz_paths(site) -> list[str]:
    conf, day, talk = site.conference, site.day, site.talk
    long = "a" * 5000
    return [
        "/no-such-conference/",
        f"/{conf.slug}/no-such-day/",
        f"/{conf.slug}/talks/no-such-talk/",
        "/speakers/no-such-speaker/",
        "/tags/no-such-tag/",
        "/conferences/0/",
        "/conferences/99999999999999999999/",
        "/conferences/-1/",
        f"/{conf.slug}/../admin/",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        f"/{conf.slug}/%00/",
        "/%00/",
        "/tags/%00/",
        "/tags/a%00b/feed/",
        "/speakers/%00/",
        "/tags/%ff%fe/",
        "/%ff/",
        f"/{conf.slug}/%c3%28/",
        f"/{long}/",
        f"/{conf.slug}/{long}/",
        f"/{conf.slug}/talks/{long}/",
        f"/tags/{long}/",
        f"/speakers/{long}/",
        "/tags/a%2Fb/",
        "/tags/<script>/",
        f"/{conf.slug}/{day.slug}/extra/segments/",
        f"/{conf.slug}/talks/{talk.slug}/extra/",
        "//evil.example/",
        "/media/../settings.py",
        "/static/../manage.py",
    ]


@pytest.mark.django_db
def test_malformed_urls_never_give_a_server_error():
    site = make_sample_site()
    client = Client(raise_request_exception=False)
    list_pages = [
        "/",
        "/conferences/",
        "/conferences/2025/",
        "/speakers/",
        "/tags/",
        "/tags/python/",
        site.conference.get_absolute_url(),
        site.day.get_absolute_url(),
        site.talk.get_absolute_url(),
    ]
    list_pages += list(_optional_pages("x", site.conference, site.speaker, "python"))
    requests = _fuzz_paths(site) + [page + query for page in list_pages for query in FUZZ_QUERIES]

    failures = {}
    for path in requests:
        response = client.get(path)
        if response.status_code not in (200, 301, 302, 400, 404):
            failures[path[:120]] = response.status_code
    assert failures == {}
    # Malformed page numbers are refused, not silently read as page 1.
    assert client.get("/speakers/?page=x").status_code == 404
    assert client.get("/speakers/?page=99999999999999999999999999").status_code == 404


# ---------------------------------------------------------------------------
# Uploads


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _upload(admin_client, name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return admin_client.post(
        reverse("admin:speakers_speaker_add"),
        {
            "name": "Upload Tester",
            "slug": "",
            "photo": SimpleUploadedFile(name, content, content_type=content_type),
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make_content", "content_type", "message"),
    [
        ("notes.png", lambda: b"just some text, not a picture\n" * 20, "image/png", "not an image"),
        (
            "photo.png",
            lambda: b"<html><script>alert(1)</script></html>",
            "image/png",
            "not an image",
        ),
        (
            "logo.svg",
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
            "not an image",
        ),
        ("bomb.png", bomb_png_bytes, "image/png", "pixels"),
        ("header-bomb.png", huge_header_png_bytes, "image/png", "pixels"),
        (
            "huge.png",
            lambda: _png_bytes() + b"\0" * (settings.CONFNOTES_MAX_UPLOAD_BYTES + 1),
            "image/png",
            "the limit is",
        ),
    ],
    ids=["text", "html", "svg", "bomb", "header-bomb", "huge"],
)
def test_speaker_photo_upload_refuses_bad_files(
    admin_client, name, make_content, content_type, message
):
    response = _upload(admin_client, name, make_content(), content_type)

    assert response.status_code == 200  # the form again, with its error
    errors = str(response.context["adminform"].form.errors.get("photo"))
    assert message in errors
    assert not Speaker.objects.filter(name="Upload Tester").exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_speaker_photo_upload_accepts_a_real_image(admin_client):
    """The refusals above are about the files: the same form takes a real picture."""
    response = _upload(admin_client, "me.png", _png_bytes(), "image/png")

    assert response.status_code == 302
    speaker = Speaker.objects.get(name="Upload Tester")
    assert speaker.photo and speaker.photo_thumbnail


# ---------------------------------------------------------------------------
# CSRF


@pytest.mark.django_db
def test_admin_refuses_posts_without_a_csrf_token():
    staff = make_user(is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    data = {"name": "Forged Conf", "slug": "forged"}
    for inline in ("days", "notes"):
        data |= {f"{inline}-TOTAL_FORMS": 0, f"{inline}-INITIAL_FORMS": 0}

    forged = client.post(reverse("admin:talks_conference_add"), data)
    login = Client(enforce_csrf_checks=True).post(
        reverse("admin:login"), {"username": staff.username, "password": "x"}
    )

    assert forged.status_code == 403
    assert login.status_code == 403
    assert not Conference.objects.filter(name="Forged Conf").exists()
    # With the token from the form, the same post goes through.
    client.get(reverse("admin:talks_conference_add"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(
        reverse("admin:talks_conference_add"), {**data, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert Conference.objects.filter(name="Forged Conf").exists()


@pytest.mark.django_db
def test_only_web_urls_are_stored():
    conference = make_conference(website="javascript:alert(1)")
    kept = make_conference(website="https://conf.example.org/")
    speaker = make_speaker(website=" data:text/html,x")

    conference.refresh_from_db()
    kept.refresh_from_db()
    speaker.refresh_from_db()
    assert conference.website == ""
    assert kept.website == "https://conf.example.org/"
    assert speaker.website == ""


@pytest.mark.django_db
def test_payloads_through_a_schedule_import_render_safely(client, tmp_path):
    import json

    from talks.importers.schedule import import_schedule

    payloads = XSS_PAYLOADS[:24]
    events = [
        {
            "id": 900 + i,
            "guid": f"00000000-0000-4000-8000-{i:012d}",
            "date": f"2021-03-04T{9 + i % 8:02d}:{(i * 7) % 60:02d}:00+01:00",
            "start": f"{9 + i % 8:02d}:{(i * 7) % 60:02d}",
            "duration": "00:20",
            "room": payload[:100],
            "slug": f"hostile-{i}",
            "url": "javascript:alert('xss-event-url')",
            "title": payload,
            "subtitle": payload,
            "track": payload[:100],
            "type": "talk",
            "language": "en",
            "abstract": payload,
            "description": payload,
            "persons": [{"id": 700 + i, "public_name": payload[:150]}],
            "links": [
                {"url": "javascript:alert('xss-link')", "title": payload},
                {"url": "https://example.org/ok", "title": payload},
            ],
            "attachments": [{"url": "data:text/html,<script>alert(1)</script>", "title": "x"}],
            "tags": [payload[:90]],
        }
        for i, payload in enumerate(payloads)
    ]
    schedule = {
        "schedule": {
            "version": "1",
            "base_url": "https://hostile.example.org/",
            "conference": {
                "acronym": "hostile21",
                "title": XSS_PAYLOADS[0],
                "start": "2021-03-04",
                "end": "2021-03-04",
                "days": [{"index": 1, "date": "2021-03-04", "rooms": {"Hall": events}}],
            },
        }
    }
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(schedule), encoding="utf-8")

    import_schedule(path)

    conference = Conference.objects.get(source="schedule")
    conference.published = True
    conference.save()
    talks = list(Talk.objects.filter(conference=conference))
    assert len(talks) == len(payloads)
    assert any("<script>" in talk.title for talk in talks)  # stored as given, escaped on output
    pages = [conference.get_absolute_url(), "/", "/speakers/", "/tags/"]
    pages += [day.get_absolute_url() for day in conference.days.all()]
    pages += [talk.get_absolute_url() for talk in talks]
    pages += [ts.speaker.get_absolute_url() for t in talks for ts in t.talk_speakers.all()]
    assert _dangerous_markup_by_page(client, pages) == {}
