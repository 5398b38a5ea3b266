"""Draw confnotes' icons into static/: the favicon (SVG and ICO), the Apple touch icon and
the web manifest's icons. Run it again after changing the mark:

    .venv/bin/python tools/make_icons.py

The mark: a speech bubble (a talk) holding two lines of notes, on a blue rounded square.
"""

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "static"
BLUE = "#0b57a4"  # the light scheme's link colour
WHITE = "#ffffff"
GRID = 64  # the SVG's viewBox; every shape below is in these units
BUBBLE = (11, 13, 53, 43)  # (x0, y0, x1, y1), with rounded corners
TAIL = ((19, 41), (19, 53), (31, 41))
# Each line of notes; the last one is short, as a paragraph ends.
LINES = ((18, 20, 46, 25), (18, 31, 37, 36))
SUPERSAMPLE = 4  # drawn larger, then reduced: smooth edges


def svg() -> str:
    x0, y0, x1, y1 = BUBBLE
    tail = " ".join(f"{x},{y}" for x, y in TAIL)
    bars = "".join(
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="2.5"/>'
        for x0, y0, x1, y1 in LINES
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        f'<rect width="{GRID}" height="{GRID}" rx="12" fill="{BLUE}"/>'
        f'<g fill="{WHITE}"><rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="6"/>'
        f'<polygon points="{tail}"/></g><g fill="{BLUE}">{bars}</g></svg>\n'
    )


def png(size: int, *, full_bleed: bool = False) -> Image.Image:
    """The mark at `size` pixels square; `full_bleed` fills the corners (Apple rounds them)."""
    big = size * SUPERSAMPLE
    scale = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, big - 1, big - 1), radius=0 if full_bleed else 12 * scale, fill=BLUE
    )
    x0, y0, x1, y1 = BUBBLE
    draw.rounded_rectangle(
        (x0 * scale, y0 * scale, x1 * scale - 1, y1 * scale - 1), radius=6 * scale, fill=WHITE
    )
    draw.polygon([(x * scale, y * scale) for x, y in TAIL], fill=WHITE)
    for x0, y0, x1, y1 in LINES:
        box = (x0 * scale, y0 * scale, x1 * scale - 1, y1 * scale - 1)
        draw.rounded_rectangle(box, radius=2.5 * scale, fill=BLUE)
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image.convert("RGB") if full_bleed else image


def main() -> None:
    (STATIC / "favicon.svg").write_text(svg(), encoding="utf-8")
    png(48).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    png(180, full_bleed=True).save(STATIC / "apple-touch-icon.png", optimize=True)
    for size in (192, 512):
        png(size).save(STATIC / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
