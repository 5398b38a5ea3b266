"""Link health: checking against a local HTTP server, the broken rule, pages and admin."""

import datetime
import io
import time

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from talks import linkhealth
from talks.models import LinkCheck
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_link,
    make_speaker,
    make_talk,
)
from talks.tests.linkserver import SLOW_SECONDS, closed_port_url, running_link_server

TIMEOUT = 1.5  # generous for a busy CI machine; /slow answers after SLOW_SECONDS


@pytest.fixture(scope="module")
def server():
    with running_link_server() as running:
        yield running


@pytest.fixture(autouse=True)
def _local_server_allowed(settings):
    """The tests' server is on 127.0.0.1, which check_links refuses by default."""
    settings.CONFNOTES_LINKCHECK_PRIVATE_HOSTS = True


@pytest.fixture
def client_http():
    with httpx.Client(follow_redirects=True, timeout=TIMEOUT) as client:
        yield client


def _check(client, url):
    return linkhealth.check_url(client, url, timeout=TIMEOUT)


# ---------------------------------------------------------------------------
# One URL


def test_check_urls_refuses_private_addresses_by_default(server, settings):
    settings.CONFNOTES_LINKCHECK_PRIVATE_HOSTS = False
    before = len(server.requests)

    [result] = linkhealth.check_urls([server.url("/ok/private")], timeout=TIMEOUT)

    assert result.failed and result.status_code is None
    assert "127.0.0.1 is a private or local address" in result.error
    assert len(server.requests) == before  # never asked


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://169.254.169.254/latest/meta-data/", True),
        ("http://10.1.2.3/", True),
        ("http://[::1]:8000/", True),
        ("https://93.184.216.34/slides.pdf", False),
    ],
)
def test_private_address_hook(url, refused):
    request = httpx.Request("GET", url)
    if refused:
        with pytest.raises(linkhealth.PrivateAddress):
            linkhealth.refuse_private_addresses(request)
    else:
        linkhealth.refuse_private_addresses(request)


def test_check_url_ok(server, client_http):
    result = _check(client_http, server.url("/ok"))
    assert (result.status_code, result.error, result.failed) == (200, "", False)
    assert result.redirects == []
    assert result.final_url == server.url("/ok")


def test_check_url_follows_and_records_redirects(server, client_http):
    result = _check(client_http, server.url("/moved-twice"))
    assert result.status_code == 200
    assert not result.failed
    assert result.final_url == server.url("/ok/after-move")
    assert result.redirects == [[302, server.url("/moved")], [301, server.url("/ok/after-move")]]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/error", 500)])
def test_check_url_error_statuses_fail(server, client_http, path, status):
    result = _check(client_http, server.url(path))
    assert result.status_code == status
    assert result.failed


def test_check_url_retries_with_get_when_head_is_refused(server, client_http):
    url = server.url("/nohead")
    result = _check(client_http, url)
    assert result.status_code == 200
    assert not result.failed
    methods = [method for method, path, _host, _t in server.requests if path == "/nohead"]
    assert methods[-2:] == ["HEAD", "GET"]


def test_check_url_times_out_on_a_slow_server(server, client_http):
    started = time.monotonic()
    result = _check(client_http, server.url("/slow"))
    assert time.monotonic() - started < SLOW_SECONDS - 1  # gave up before the answer came
    assert result.status_code is None
    assert result.error == f"No answer within {TIMEOUT} s"
    assert result.failed


def test_check_url_reports_a_refused_connection(client_http):
    result = _check(client_http, closed_port_url())
    assert result.status_code is None
    assert result.error.startswith("Could not connect")
    assert result.failed


def test_rate_limited_answer_is_inconclusive(server, client_http):
    result = _check(client_http, server.url("/limited"))
    assert result.status_code == 429
    assert result.inconclusive
    assert not result.failed


# ---------------------------------------------------------------------------
# Many URLs: concurrency and politeness


def test_check_urls_one_request_at_a_time_per_host_several_hosts_at_once(server):
    server.max_in_flight_per_host.clear()
    server.max_total_in_flight = 0
    urls = [
        server.url(f"/sleep/{n}", host) for host in ("127.0.0.1", "localhost") for n in range(3)
    ]

    results = list(linkhealth.check_urls(urls, concurrency=4, timeout=5, host_delay=0.05))

    assert sorted(r.url for r in results) == sorted(urls)
    assert all(r.status_code == 200 for r in results)
    assert server.max_in_flight_per_host == {"127.0.0.1": 1, "localhost": 1}
    assert server.max_total_in_flight == 2


def test_check_urls_waits_between_requests_to_one_host(server):
    urls = [server.url(f"/ok/spaced/{n}") for n in range(3)]

    list(linkhealth.check_urls(urls, concurrency=4, timeout=5, host_delay=0.3))

    starts = [t for method, path, _h, t in server.requests if path.startswith("/ok/spaced/")]
    assert len(starts) == 3
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.28


# ---------------------------------------------------------------------------
# Recording: when a failing link counts as broken


def _failure(url):
    return linkhealth.CheckResult(url=url, status_code=404)


def test_link_is_broken_after_three_failures_in_a_row():
    check = LinkCheck(url="https://example.org/x")
    now = timezone.now()
    for n in range(1, 4):
        linkhealth.record_result(check, _failure(check.url), now + datetime.timedelta(hours=n))
        assert check.consecutive_failures == n
        assert check.broken == (n >= linkhealth.BROKEN_AFTER_FAILURES)
    assert check.failing_since == now + datetime.timedelta(hours=1)


def test_link_is_broken_after_failing_for_a_week():
    check = LinkCheck(url="https://example.org/x")
    first = timezone.now() - datetime.timedelta(days=8)
    linkhealth.record_result(check, _failure(check.url), first)
    assert not check.broken
    linkhealth.record_result(check, _failure(check.url), timezone.now())
    assert check.consecutive_failures == 2
    assert check.broken


def test_success_clears_the_failure_record():
    check = LinkCheck(url="https://example.org/x", consecutive_failures=5, broken=True)
    check.failing_since = timezone.now() - datetime.timedelta(days=30)
    ok = linkhealth.CheckResult(url=check.url, status_code=200)
    linkhealth.record_result(check, ok, timezone.now())
    assert (check.consecutive_failures, check.failing_since, check.broken) == (0, None, False)


def test_rate_limited_check_keeps_the_failure_count():
    check = LinkCheck(url="https://example.org/x", consecutive_failures=2)
    check.failing_since = timezone.now()
    limited = linkhealth.CheckResult(url=check.url, status_code=429)
    linkhealth.record_result(check, limited, timezone.now())
    assert check.consecutive_failures == 2
    assert check.failing_since is not None


# ---------------------------------------------------------------------------
# The command


def _run(*args):
    out = io.StringIO()
    call_command("check_links", "--timeout", str(TIMEOUT), "--delay", "0", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_check_links_records_every_kind_of_external_link(server):
    gone = closed_port_url()
    talk = make_talk(slides_url=server.url("/ok"), video_url=server.url("/missing"))
    make_link(talk, url=server.url("/moved"))
    talk.talk_speakers.create(speaker=make_speaker(website=gone), position=0)
    talk.conference.website = server.url("/error")
    talk.conference.save()

    output = _run()

    checks = {c.url: c for c in LinkCheck.objects.all()}
    assert set(checks) == {
        server.url("/ok"),
        server.url("/missing"),
        server.url("/moved"),
        server.url("/error"),
        gone,
    }
    assert checks[server.url("/ok")].status_code == 200
    assert checks[server.url("/missing")].status_code == 404
    assert checks[server.url("/missing")].consecutive_failures == 1
    assert checks[server.url("/moved")].redirects == [[301, server.url("/ok/after-move")]]
    assert checks[server.url("/moved")].final_url == server.url("/ok/after-move")
    assert checks[server.url("/error")].status_code == 500
    assert checks[gone].error.startswith("Could not connect")
    assert not any(c.broken for c in checks.values())  # one failure is not "a while"
    assert f"404: {server.url('/missing')}" in output
    assert "Checked 5 URL(s): 2 fine, 3 failing" in output


@pytest.mark.django_db
def test_check_links_marks_broken_on_the_third_failure_and_reports_it(server):
    make_talk(slides_url=server.url("/missing"))
    _run()
    _run()
    assert not LinkCheck.objects.get().broken

    output = _run()

    check = LinkCheck.objects.get()
    assert check.broken
    assert check.consecutive_failures == 3
    assert f"Newly broken: {server.url('/missing')}" in output


@pytest.mark.django_db
def test_check_links_for_one_conference_only(server):
    mine = make_talk(slides_url=server.url("/ok/mine"))
    make_talk(slides_url=server.url("/ok/theirs"))

    _run("--conference", mine.conference.slug)

    assert list(LinkCheck.objects.values_list("url", flat=True)) == [server.url("/ok/mine")]


@pytest.mark.django_db
def test_check_links_older_than_skips_recent_checks(server):
    make_talk(slides_url=server.url("/ok/recent"), video_url=server.url("/ok/stale"))
    old = timezone.now() - datetime.timedelta(days=10)
    LinkCheck.objects.create(url=server.url("/ok/recent"), checked_at=timezone.now())
    LinkCheck.objects.create(url=server.url("/ok/stale"), checked_at=old)

    output = _run("--older-than", "7")

    assert LinkCheck.objects.get(url=server.url("/ok/stale")).checked_at > old
    assert LinkCheck.objects.get(url=server.url("/ok/recent")).status_code is None
    assert "1 skipped" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--conference", "nope"], "No conference with the slug “nope”."),
        (["--older-than", "-1"], "--older-than takes a number of days"),
        (["--concurrency", "0"], "--concurrency must be 1 or more"),
    ],
)
def test_check_links_bad_arguments_give_clear_errors(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


# ---------------------------------------------------------------------------
# Pages and admin


def _broken(url, *, since=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)):
    return LinkCheck.objects.create(
        url=url,
        status_code=404,
        checked_at=timezone.now(),
        failing_since=since,
        consecutive_failures=3,
        broken=True,
    )


@pytest.mark.django_db
def test_talk_page_offers_wayback_copy_of_broken_links_only(client):
    day = make_day(make_conference(start_date=datetime.date(2011, 6, 1), end_date=None))
    talk = make_talk(
        day,
        slides_url="https://slides.example.org/dead",
        video_url="https://video.example.org/fine",
    )
    make_link(talk, url="https://blog.example.org/dead", title="Write-up")
    _broken("https://slides.example.org/dead")
    _broken("https://blog.example.org/dead")
    LinkCheck.objects.create(
        url="https://video.example.org/fine",
        status_code=500,
        checked_at=timezone.now(),
        failing_since=timezone.now(),
        consecutive_failures=1,
    )

    html = client.get(talk.get_absolute_url()).content.decode()

    assert 'href="https://web.archive.org/web/2011/https://slides.example.org/dead"' in html
    assert 'href="https://web.archive.org/web/2011/https://blog.example.org/dead"' in html
    assert "web.archive.org/web/2011/https://video.example.org/fine" not in html
    assert html.count("archived copy") == 2
    assert 'unreachable since <time datetime="2026-03-02">Mar 2026</time>' in html


@pytest.mark.django_db
def test_day_speaker_and_conference_pages_mark_broken_links(client):
    conference = make_conference(
        start_date=datetime.date(2014, 4, 1), end_date=None, website="https://conf.example.org/"
    )
    day = make_day(conference)
    speaker = make_speaker(website="https://me.example.org/")
    talk = make_talk(day, speakers=[speaker], video_url="https://video.example.org/gone")
    for url in ("https://video.example.org/gone", "https://me.example.org/", conference.website):
        _broken(url)

    day_html = client.get(day.get_absolute_url()).content.decode()
    speaker_html = client.get(speaker.get_absolute_url()).content.decode()
    conference_html = client.get(conference.get_absolute_url()).content.decode()

    assert 'href="https://web.archive.org/web/2014/https://video.example.org/gone"' in day_html
    assert 'href="https://web.archive.org/web/2014/https://me.example.org/"' in speaker_html
    assert talk.title in speaker_html
    assert 'href="https://web.archive.org/web/2014/https://conf.example.org/"' in conference_html


@pytest.mark.django_db
@pytest.mark.parametrize("talks_per_day", [1, 3])
def test_link_health_adds_no_queries_to_pages(client, django_assert_num_queries, talks_per_day):
    day = make_full_day(talks_per_day)
    talk = day.talks.first()
    speaker = talk.speakers.first()
    speaker.website = "https://me.example.org/"
    speaker.save()
    for url in ("https://slides.example.org/0", "https://me.example.org/"):
        _broken(url)
    for link in talk.links.all():
        _broken(link.url)

    urls = [day.get_absolute_url(), talk.get_absolute_url(), speaker.get_absolute_url()]

    with django_assert_num_queries(6):
        day_html = client.get(urls[0]).content.decode()
    with django_assert_num_queries(6):
        talk_html = client.get(urls[1]).content.decode()
    with django_assert_num_queries(6):
        speaker_html = client.get(urls[2]).content.decode()

    assert day_html.count("archived copy") == 2
    assert talk_html.count("archived copy") == 2
    assert speaker_html.count("archived copy") == 1


@pytest.mark.django_db
def test_check_links_refreshes_cached_pages_when_a_link_breaks(client, server):
    talk = make_talk(slides_url=server.url("/missing"))
    _run()
    _run()
    assert "archived copy" not in client.get(talk.get_absolute_url()).content.decode()

    _run()

    assert "archived copy" in client.get(talk.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_admin_lists_broken_links_with_filters(admin_client):
    _broken("https://dead.example.org/")
    LinkCheck.objects.create(
        url="https://fine.example.org/", status_code=200, checked_at=timezone.now()
    )
    LinkCheck.objects.create(
        url="https://slow.example.org/", error="No answer within 10 s", checked_at=timezone.now()
    )

    broken = admin_client.get("/admin/talks/linkcheck/?broken__exact=1").content.decode()
    no_answer = admin_client.get("/admin/talks/linkcheck/?answer=none").content.decode()
    client_errors = admin_client.get("/admin/talks/linkcheck/?answer=client").content.decode()

    assert "https://dead.example.org/" in broken
    assert "https://fine.example.org/" not in broken
    assert "https://slow.example.org/" in no_answer
    assert "https://dead.example.org/" not in no_answer
    assert "https://dead.example.org/" in client_errors
    assert "https://fine.example.org/" not in client_errors


@pytest.mark.django_db
def test_admin_change_page_names_what_uses_the_url(admin_client):
    talk = make_talk(title="A talk with dead slides", slides_url="https://dead.example.org/")
    check = _broken("https://dead.example.org/")

    html = admin_client.get(f"/admin/talks/linkcheck/{check.pk}/change/").content.decode()

    assert "A talk with dead slides" in html
    assert talk.get_absolute_url() in html


def test_admin_change_page_names_a_conference_using_the_url(admin_client):
    conference = make_conference(name="Gone Con 2011", website="https://gone.example.org/")
    check = _broken("https://gone.example.org/")

    html = admin_client.get(f"/admin/talks/linkcheck/{check.pk}/change/").content.decode()

    assert f'<a href="{conference.get_absolute_url()}">Gone Con 2011 (website)</a>' in html
    assert "Nothing links to it any more." not in html


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=a",
        "https://m.youtube.com/watch?v=b",
        "https://youtu.be/c",
        "https://YouTube.com/watch?v=d",
    ],
)
def test_one_site_under_several_names_is_paced_as_one_host(url):
    assert linkhealth._host(url) == "youtube.com"
