"""Social cards: a 1200×630 PNG that names a page, drawn with Pillow.

A card has a kicker (what the page is: "Talk", "Conference"...), a title of up
to three lines, whose size steps down until it fits and which ends in an
ellipsis when even the smallest size does not, a few lines under it (the
conference and date, the speakers) cut to one line each, and the site's name.

The fonts are in static/fonts/, under the SIL Open Font License (OFL.txt
there): Noto Sans Bold for Latin, Greek and Cyrillic, NanumGothic Bold for
Hangul, the hanja of KS X 1001 and kana (its own Latin lacks letters such as
ř and ő). Each character is drawn with the first font that has it, read from
the fonts' character maps; one that neither has is drawn as the font's
missing-glyph box.
"""

import io
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageColor, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILES = ("NotoSans-Bold.ttf", "NanumGothicBold.ttf")  # the first that has a character

MARGIN = 80
TEXT_WIDTH = WIDTH - 2 * MARGIN
TITLE_SIZES = (68, 58, 50, 44)  # the first at which the title fits in TITLE_LINES
TITLE_LINES = 3
KICKER_SIZE = 30
LINE_SIZE = 34
SITE_SIZE = 30
ELLIPSIS = "…"
# The site's dark scheme (static/css/confnotes.css): text over 10:1, muted over 7:1.
BACKGROUND = "#15161a"
FOREGROUND = "#e8e9ec"
MUTED = "#b3b7bf"
ACCENT = "#ffb366"
SITE_NAME = "confnotes"


@dataclass(frozen=True)
class Card:
    kicker: str  # what the page is: "Talk", "Conference", "Day", "Speaker"
    title: str
    lines: tuple[str, ...] = ()  # under the title, one line each; empty ones are left out


def render_card(card: Card) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    y = MARGIN + KICKER_SIZE
    _draw_line(draw, _ellipsized(card.kicker, KICKER_SIZE), (MARGIN, y), KICKER_SIZE, ACCENT)
    size, lines = _title_lines(card.title)
    y += 36
    for line in lines:
        y += round(size * 1.22)
        _draw_line(draw, line, (MARGIN, y), size, FOREGROUND)
    y += 24
    for line in (line for line in card.lines if line):
        y += round(LINE_SIZE * 1.4)
        _draw_line(draw, _ellipsized(line, LINE_SIZE), (MARGIN, y), LINE_SIZE, MUTED)
    _draw_line(draw, SITE_NAME, (MARGIN, HEIGHT - 56), SITE_SIZE, ACCENT)
    # In the card's own few colors: a palette PNG encodes faster than an RGB one and
    # is smaller (docs/benchmarks.md, "Social cards").
    image = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


@cache
def _palette() -> Image.Image:
    """The background, and each text color blended into it in 16 steps (antialiasing)."""
    background = ImageColor.getrgb(BACKGROUND)
    colors = [background]
    for color in map(ImageColor.getrgb, (FOREGROUND, MUTED, ACCENT)):
        colors += [
            tuple(round(b + (c - b) * step / 16) for b, c in zip(background, color, strict=True))
            for step in range(1, 17)
        ]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for color in colors for value in color])
    return palette


# -- Text in several fonts --------------------------------------------------


@cache
def _faces(size: int) -> tuple[ImageFont.FreeTypeFont, ...]:
    return tuple(ImageFont.truetype(FONT_DIR / name, size) for name in FONT_FILES)


@cache
def _characters() -> tuple[frozenset[int], ...]:
    return tuple(font_characters(FONT_DIR / name) for name in FONT_FILES)


def _runs(text: str) -> list[tuple[int, str]]:
    """`text` as runs of one font each: (index of the font in FONT_FILES, text)."""
    characters = _characters()
    runs: list[tuple[int, list[str]]] = []
    for char in text:
        code = ord(char)
        current = runs[-1][0] if runs else None
        if current is not None and code in characters[current]:
            index = current  # spaces and digits stay in the run they are in
        else:
            covering = (i for i, found in enumerate(characters) if code in found)
            index = next(covering, 0 if current is None else current)
        if index == current:
            runs[-1][1].append(char)
        else:
            runs.append((index, [char]))
    return [(index, "".join(chars)) for index, chars in runs]


def _width(text: str, size: int) -> float:
    faces = _faces(size)
    return sum(faces[index].getlength(run) for index, run in _runs(text))


def _draw_line(draw, text: str, origin: tuple[int, int], size: int, fill: str) -> None:
    """Draw `text` with its baseline at `origin`'s height, font by font."""
    faces = _faces(size)
    x, y = origin
    for index, run in _runs(text):
        draw.text((x, y), run, font=faces[index], fill=fill, anchor="ls")
        x += faces[index].getlength(run)


# -- Fitting text -----------------------------------------------------------


def _title_lines(title: str) -> tuple[int, list[str]]:
    """The title's size and lines: the largest size at which it fits, else the smallest
    with its third line ending in an ellipsis."""
    title = " ".join(title.split())
    largest, smallest = TITLE_SIZES[0], TITLE_SIZES[-1]
    natural = _width(title, largest)  # on one line; widths grow with the size
    for size in TITLE_SIZES:
        if size != smallest and natural * size / largest > TITLE_LINES * TEXT_WIDTH:
            continue  # longer than all its lines together, however it is wrapped
        lines = _wrap(title, size, TITLE_LINES + 1)
        if len(lines) <= TITLE_LINES:
            return size, lines
    lines = lines[:TITLE_LINES]
    lines[-1] = _ellipsized(lines[-1] + ELLIPSIS, size)
    return size, lines


def _wrap(text: str, size: int, most: int) -> list[str]:
    """`text` in lines that fit TEXT_WIDTH, broken between words (inside a word too wide
    for a line); stops after `most` lines."""
    # A line's width is its words' and spaces' added up: each word is measured once.
    space = _width(" ", size)
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in text.split():
        width = _width(word, size)
        if current and current_width + space + width <= TEXT_WIDTH:
            current, current_width = f"{current} {word}", current_width + space + width
            continue
        if current:
            lines.append(current)
        while width > TEXT_WIDTH and len(lines) < most:
            cut = _longest_fitting(word, size, TEXT_WIDTH)
            lines.append(word[:cut])
            word = word[cut:]
            width = _width(word, size)
        current, current_width = word, width
        if len(lines) >= most:
            return lines[:most]
    if current:
        lines.append(current)
    return lines[:most]


def _ellipsized(text: str, size: int) -> str:
    """`text` on one line of TEXT_WIDTH, cut and ending in an ellipsis if it is too long."""
    text = " ".join(text.split())
    if _width(text, size) <= TEXT_WIDTH:
        return text
    room = TEXT_WIDTH - _width(ELLIPSIS, size)
    return text[: _longest_fitting(text, size, room)].rstrip(" ,.;:·" + ELLIPSIS) + ELLIPSIS


def _longest_fitting(text: str, size: int, width: float) -> int:
    """How many of `text`'s first characters fit in `width` (at least one)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(text[:middle], size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


# -- Which characters a font has ---------------------------------------------


def font_characters(path) -> frozenset[int]:
    """The code points a TrueType/OpenType font maps to a glyph: its Unicode `cmap`
    subtables of format 4 (the BMP) and 12 (all planes)."""
    data = Path(path).read_bytes()
    (table_count,) = struct.unpack_from(">H", data, 4)
    tables = {
        data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
        for i in range(table_count)
    }
    cmap = tables[b"cmap"]
    (subtable_count,) = struct.unpack_from(">H", data, cmap + 2)
    found: set[int] = set()
    for i in range(subtable_count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        if (platform, encoding) not in ((0, 3), (0, 4), (3, 1), (3, 10)):
            continue  # not Unicode
        start = cmap + offset
        (table_format,) = struct.unpack_from(">H", data, start)
        if table_format == 4:
            found |= _format_4(data, start)
        elif table_format == 12:
            (groups,) = struct.unpack_from(">I", data, start + 12)
            for g in range(groups):
                first, last, _glyph = struct.unpack_from(">III", data, start + 16 + 12 * g)
                found.update(range(first, last + 1))
    return frozenset(found)


def _format_4(data: bytes, start: int) -> set[int]:
    (segments_x2,) = struct.unpack_from(">H", data, start + 6)
    segments = segments_x2 // 2
    ends = struct.unpack_from(f">{segments}H", data, start + 14)
    starts = struct.unpack_from(f">{segments}H", data, start + 16 + segments_x2)
    deltas = struct.unpack_from(f">{segments}H", data, start + 16 + 2 * segments_x2)
    offsets_at = start + 16 + 3 * segments_x2
    offsets = struct.unpack_from(f">{segments}H", data, offsets_at)
    found = set()
    for i in range(segments):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if offsets[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                at = offsets_at + 2 * i + offsets[i] + 2 * (code - starts[i])
                (glyph,) = struct.unpack_from(">H", data, at)
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                found.add(code)
    return found
