import datetime
import io
import re

import pytest
from PIL import Image, ImageFont

from confnotes.card_image import (
    FONT_DIR,
    FONT_FILES,
    HEIGHT,
    TITLE_SIZES,
    WIDTH,
    Card,
    _runs,
    _title_lines,
    font_characters,
    render_card,
)
from talks.cards import date_range
from talks.exporters.static_site import export_static
from talks.models import Day
from talks.tests.factories import make_conference, make_day, make_speaker, make_talk

pytestmark = pytest.mark.django_db

OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


def _image(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def _assert_card(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = _image(response.content)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 630)
    assert image.mode == "P"  # the card's few colors (see card_image.render_card)
    return image


def _og(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    return dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)">', html)
    )


def _pages():
    speaker = make_speaker(name="Ada Lovelace")
    talk = make_talk(title="Engines of analysis", speakers=[speaker])
    conference, day = talk.conference, talk.day
    return [
        (conference.get_absolute_url(), f"/{conference.slug}/card.png"),
        (day.get_absolute_url(), f"/{conference.slug}/{day.slug}/card.png"),
        (talk.get_absolute_url(), f"/{conference.slug}/talks/{talk.slug}/card.png"),
        (speaker.get_absolute_url(), f"/speakers/{speaker.slug}/card.png"),
    ]


def test_each_page_s_og_image_is_its_card_a_1200_by_630_png(client):
    for page, card in _pages():
        og = _og(client, page)

        assert og["og:image"] == f"http://testserver{card}", page
        assert (og["og:image:width"], og["og:image:height"]) == ("1200", "630")
        assert og["og:image:type"] == "image/png" and og["og:image:alt"]
        assert og["twitter:card"] == "summary_large_image"
        _assert_card(client.get(card))


def test_pages_without_a_card_name_no_og_image(client):
    make_talk()
    html = client.get("/").content.decode()

    assert not OG_IMAGE.search(html)
    assert '<meta name="twitter:card" content="summary">' in html


def test_a_card_is_cached_with_its_page_and_answers_conditional_requests(client):
    card = _pages()[2][1]
    first = client.get(card)
    second = client.get(card)
    not_modified = client.get(card, headers={"if-none-match": first["ETag"]})

    assert (first["X-Confnotes-Cache"], second["X-Confnotes-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert not_modified.status_code == 304


def test_editing_a_talk_s_title_changes_its_card_on_the_next_request(client):
    talk = make_talk(title="The first title")
    card = f"/{talk.conference.slug}/talks/{talk.slug}/card.png"
    before = client.get(card).content
    assert client.get(card)["X-Confnotes-Cache"] == "hit"

    talk.title = "A second, different title"
    talk.save()

    after = client.get(card)
    assert after["X-Confnotes-Cache"] == "miss"
    assert after.content != before


def test_renaming_a_conference_or_a_speaker_changes_the_cards_that_print_it(client):
    speaker = make_speaker(name="Grace Hopper")
    talk = make_talk(speakers=[speaker])
    cards = [
        f"/{talk.conference.slug}/card.png",
        f"/{talk.conference.slug}/{talk.day.slug}/card.png",
        f"/{talk.conference.slug}/talks/{talk.slug}/card.png",
        f"/speakers/{speaker.slug}/card.png",
    ]
    before = {card: client.get(card).content for card in cards}

    talk.conference.name = "Renamed Conf"
    talk.conference.save()

    for card in cards:
        assert client.get(card).content != before[card], card
    talk_card = client.get(cards[2]).content
    speaker.name = "Rear Admiral Grace Hopper"
    speaker.save()
    assert client.get(cards[2]).content != talk_card


def test_cards_of_drafts_are_404_for_the_public_and_staff(client, admin_client):
    draft_conference = make_conference(published=False)
    talk_of_draft = make_talk(make_day(draft_conference))
    draft_day = make_day(make_conference(), published=False)
    talk_of_draft_day = make_talk(draft_day, speakers=[make_speaker()])
    speaker_of_drafts = talk_of_draft_day.speakers.get()
    cards = [
        f"/{draft_conference.slug}/card.png",
        f"/{draft_conference.slug}/{talk_of_draft.day.slug}/card.png",
        f"/{draft_conference.slug}/talks/{talk_of_draft.slug}/card.png",
        f"/{draft_day.conference.slug}/{draft_day.slug}/card.png",
        f"/{draft_day.conference.slug}/talks/{talk_of_draft_day.slug}/card.png",
        f"/speakers/{speaker_of_drafts.slug}/card.png",
    ]
    for card in cards:
        assert client.get(card).status_code == 404, card
        assert admin_client.get(card).status_code == 404, card


def test_cards_of_unknown_pages_are_404(client):
    talk = make_talk()
    conference = talk.conference.slug
    for card in [
        "/no-such-conference/card.png",
        f"/{conference}/no-such-day/card.png",
        f"/{conference}/talks/no-such-talk/card.png",
        "/no-such-conference/talks/no-such-talk/card.png",
        "/speakers/no-such-speaker/card.png",
        f"/{conference}/card.jpg",
    ]:
        assert client.get(card).status_code == 404, card


def test_the_card_of_a_renamed_talk_redirects_to_its_new_card(client):
    talk = make_talk(slug="old-name")
    talk.slug = "new-name"
    talk.save()

    response = client.get(f"/{talk.conference.slug}/talks/old-name/card.png")

    assert response.status_code == 301
    assert response["Location"] == f"/{talk.conference.slug}/talks/new-name/card.png"


@pytest.mark.parametrize(
    ("kind", "queries"),
    [("conference", 1), ("day", 1), ("talk", 2), ("speaker", 3)],
)
def test_a_card_runs_a_fixed_number_of_queries(client, django_assert_num_queries, kind, queries):
    # talk: the talk with its conference and day, its speakers;
    # speaker: the speaker, their counts, their latest conference.
    speakers = [make_speaker(), make_speaker(), make_speaker()]
    day = make_day()
    for _ in range(3):
        make_talk(day, speakers=speakers)
    talk = day.talks.first()
    card = {
        "conference": f"/{day.conference.slug}/card.png",
        "day": f"/{day.conference.slug}/{day.slug}/card.png",
        "talk": f"/{day.conference.slug}/talks/{talk.slug}/card.png",
        "speaker": f"/speakers/{speakers[0].slug}/card.png",
    }[kind]

    with django_assert_num_queries(queries):
        response = client.get(card)
    assert response.status_code == 200


def test_a_speaker_card_counts_published_talks_only(client):
    speaker = make_speaker(name="Guido")
    make_talk(make_day(make_conference(name="Public Conf")), speakers=[speaker])
    make_talk(make_day(make_conference(name="Draft Conf", published=False)), speakers=[speaker])
    response = client.get(f"/speakers/{speaker.slug}/card.png")
    _assert_card(response)

    expected = render_card(
        Card("Speaker", "Guido", ("1 talk at 1 conference", "Latest: Public Conf"))
    )
    assert response.content == expected


def test_the_shipped_fonts_draw_hangul_and_every_latin_letter_of_names():
    characters = [font_characters(FONT_DIR / name) for name in FONT_FILES]
    covered = frozenset().union(*characters)
    # Hangul syllables, and the letters of European names NanumGothic alone lacks.
    for char in "파이썬으로 만드는 ŘřŐőĞğŞşŁłČćŽž":
        assert ord(char) in covered, char
    korean = ImageFont.truetype(FONT_DIR / FONT_FILES[1], 40)
    for char in "파이썬":
        assert korean.getmask(char).getbbox() is not None


def test_a_korean_title_is_drawn_with_its_glyphs_not_boxes():
    title = "파이썬으로 만드는 검색 엔진"
    nanum = FONT_FILES.index("NanumGothicBold.ttf")

    assert _runs(title) == [(nanum, title)]
    font = ImageFont.truetype(FONT_DIR / FONT_FILES[nanum], 40)
    box = bytes(font.getmask("\U000f0000"))  # what a character the font lacks gets
    glyphs = {bytes(font.getmask(char)) for char in "파이썬"}
    assert len(glyphs) == 3 and box not in glyphs
    # Noto Sans, the first font, has no Hangul: every syllable would be its box.
    noto = ImageFont.truetype(FONT_DIR / FONT_FILES[0], 40)
    assert {bytes(noto.getmask(char)) for char in "파이썬"} == {bytes(noto.getmask("\U000f0000"))}
    drawn = _image(render_card(Card("Talk", title, ("파이콘 한국 2019",))))
    colors = drawn.crop((80, 150, 1120, 400)).getcolors()
    assert colors is not None and len(colors) > 2  # the title's area holds antialiased text


def test_a_long_title_is_cut_to_three_lines_with_an_ellipsis_and_glyphs_missing_everywhere_draw():
    long_title = " ".join(["Supercalifragilistic"] * 40)
    odd = "Emoji 😀 and ☃ and 国 and a private-use \U000f0000 character"
    for title in (long_title, "x" * 400, odd, "", "   "):
        image = _image(render_card(Card("Talk", title, ("Conf · 1 January 2020", "A and B"))))
        assert image.size == (1200, 630)


def test_long_titles_step_down_in_size():
    short_size, short_lines = _title_lines("Short")
    long_size, long_lines = _title_lines(" ".join(["Considerably long words"] * 6))
    too_long_size, too_long_lines = _title_lines(" ".join(["word"] * 300))

    assert short_size == TITLE_SIZES[0] and short_lines == ["Short"]
    assert long_size < short_size and len(long_lines) <= 3
    assert too_long_size == TITLE_SIZES[-1] and len(too_long_lines) == 3
    assert too_long_lines[-1].endswith("…")


def test_date_ranges_read_naturally():
    d = datetime.date
    assert date_range(d(2019, 9, 8), d(2019, 9, 10)) == "8–10 September 2019"
    assert date_range(d(2019, 8, 30), d(2019, 9, 2)) == "30 August – 2 September 2019"
    assert date_range(d(2019, 12, 30), d(2020, 1, 2)) == "30 December 2019 – 2 January 2020"
    assert date_range(d(2019, 9, 8), None) == "8 September 2019"
    assert date_range(None, None) == ""


def test_a_day_card_shows_the_day_of_its_conference(client):
    day = make_day(make_conference(name="DjangoCon US 2009", city="Portland"), position=2)
    make_talk(day)
    response = client.get(f"/{day.conference.slug}/{day.slug}/card.png")

    day = Day.objects.get(pk=day.pk)
    expected = Card(
        "Day", f"DjangoCon US 2009, {day.label}", (day.date.strftime("%A, %-d %B %Y"), "Portland")
    )
    assert response.content == render_card(expected)


def test_the_static_export_writes_no_cards_and_its_pages_name_the_live_site_s(tmp_path):
    talk = make_talk(speakers=[make_speaker()])
    out = tmp_path / "site"

    export_static(out, base_url="https://notes.example.org")

    assert not list(out.rglob("card.png"))
    html = (out / talk.get_absolute_url().strip("/") / "index.html").read_text()
    [image] = OG_IMAGE.findall(html)
    assert image == f"https://notes.example.org{talk.get_absolute_url()}card.png"
