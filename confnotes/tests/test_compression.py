import gzip

import brotli
import pytest

from talks.tests.factories import make_day, make_full_day

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate"}
BROWSER = {"accept-encoding": "gzip, deflate, br, zstd"}


def test_a_page_is_gzipped_for_a_client_that_accepts_it_miss_and_hit_alike(client):
    url = make_full_day(5).conference.get_absolute_url()
    plain = client.get(url)

    miss = client.get(f"{url}?page=1", headers=GZIP)
    hit = client.get(url, headers=GZIP)

    assert (miss["X-Confnotes-Cache"], hit["X-Confnotes-Cache"]) == ("miss", "hit")
    for response in (miss, hit):
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.content) == plain.content
        assert response["Content-Length"] == str(len(response.content))
        assert "Accept-Encoding" in response["Vary"]
    assert hit["ETag"] == f"W/{plain['ETag']}"


def test_a_page_is_sent_plain_to_a_client_that_does_not_accept_gzip(client):
    url = make_day().get_absolute_url()
    client.get(url, headers=GZIP)  # the miss that stores it

    hit = client.get(url)

    assert hit["X-Confnotes-Cache"] == "hit"
    assert not hit.has_header("Content-Encoding")
    assert b"<!doctype html>" in hit.content
    assert "Accept-Encoding" in hit["Vary"]


def test_a_gzipped_hit_answers_304_to_its_own_etag(client):
    url = make_day().get_absolute_url()
    first = client.get(url, headers=GZIP)

    again = client.get(url, headers={**GZIP, "if-none-match": first["ETag"]})

    assert first["ETag"].startswith('W/"')
    assert again.status_code == 304


def test_uncached_pages_are_gzipped_too(client):
    login = client.get("/admin/login/", headers=GZIP)
    not_found = client.get("/no-such-conference/", headers=GZIP)

    assert "X-Confnotes-Cache" not in login and "X-Confnotes-Cache" not in not_found
    assert login["Content-Encoding"] == not_found["Content-Encoding"] == "gzip"
    assert b"<!doctype html>" in gzip.decompress(not_found.content)


def test_images_are_not_gzipped(client):
    response = client.get("/favicon.ico", headers=GZIP)

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_a_browser_that_takes_brotli_gets_it_miss_and_hit_alike(client):
    url = make_full_day(5).conference.get_absolute_url()
    plain = client.get(url)

    miss = client.get(f"{url}?page=1", headers=BROWSER)
    hit = client.get(url, headers=BROWSER)
    gzipped = client.get(url, headers=GZIP)  # the same stored page, for an older client

    assert (miss["X-Confnotes-Cache"], hit["X-Confnotes-Cache"]) == ("miss", "hit")
    for response in (miss, hit):
        assert response["Content-Encoding"] == "br"
        assert brotli.decompress(response.content) == plain.content
        assert response["Content-Length"] == str(len(response.content))
    assert gzipped["Content-Encoding"] == "gzip"
    assert len(hit.content) < len(gzipped.content) < len(plain.content)
    again = client.get(url, headers={**BROWSER, "if-none-match": hit["ETag"]})
    assert again.status_code == 304


def test_uncached_pages_get_brotli_too(client):
    not_found = client.get("/no-such-conference/", headers=BROWSER)

    assert not_found["Content-Encoding"] == "br"
    assert b"<!doctype html>" in brotli.decompress(not_found.content)


def test_each_encoding_is_compressed_once_for_the_first_reader_who_takes_it(client, monkeypatch):
    from confnotes import compression

    made = []
    compress = compression._compress
    monkeypatch.setattr(
        compression,
        "_compress",
        lambda encoding, data: made.append(encoding) or compress(encoding, data),
    )
    url = make_full_day(5).conference.get_absolute_url()

    plain = client.get(url)  # the miss, for a client that takes no encoding: none made
    assert (plain["X-Confnotes-Cache"], made) == ("miss", [])
    assert "Accept-Encoding" in plain["Vary"]

    first_gzip = client.get(url, headers=GZIP)
    again_gzip = client.get(url, headers=GZIP)
    first_br = client.get(url, headers=BROWSER)
    again_br = client.get(url, headers=BROWSER)

    assert made == ["gzip", "br"]  # once each, by the first hit that wanted it
    for response in (first_gzip, again_gzip, first_br, again_br):
        assert response["X-Confnotes-Cache"] == "hit"
    assert gzip.decompress(again_gzip.content) == plain.content
    assert brotli.decompress(again_br.content) == plain.content
    assert client.get(url)["X-Confnotes-Cache"] == "hit"
    assert made == ["gzip", "br"]
