import json
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from talks.tests.factories import make_day

STATIC = Path(settings.BASE_DIR) / "static"


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "max-age=86400" in response["Cache-Control"]
    assert response.content == (STATIC / "favicon.ico").read_bytes()
    assert client.head("/favicon.ico").status_code == 200


def test_favicon_ico_holds_the_small_sizes():
    with Image.open(STATIC / "favicon.ico") as icon:
        assert icon.format == "ICO"
        assert {(16, 16), (32, 32)} <= icon.info["sizes"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "day"])
def test_pages_link_the_icons_and_the_manifest(client, page):
    url = "/" if page == "home" else make_day().get_absolute_url()

    html = client.get(url).content.decode()

    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">' in html
    assert '<link rel="manifest" href="/static/site.webmanifest">' in html


def test_apple_touch_icon_is_180_pixels_and_opaque():
    with Image.open(STATIC / "apple-touch-icon.png") as icon:
        assert icon.size == (180, 180)
        assert icon.mode == "RGB"  # iOS draws transparent corners black


def test_manifest_icons_exist_with_their_declared_sizes():
    manifest = json.loads((STATIC / "site.webmanifest").read_text(encoding="utf-8"))

    assert manifest["name"] == "confnotes" and manifest["start_url"] == "/"
    declared = {icon["sizes"] for icon in manifest["icons"]}
    assert declared == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        # Relative to the manifest, which is in static/ itself.
        with Image.open(STATIC / icon["src"]) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == icon["type"].removeprefix("image/").upper()


def test_favicon_svg_is_an_svg_with_a_view_box():
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">')
