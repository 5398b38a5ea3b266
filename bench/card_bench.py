#!/usr/bin/env python
"""How long drawing a social card takes (confnotes/card_image.py), by kind of title.

    python bench/card_bench.py               # 50 rounds of each card
    python bench/card_bench.py --rounds 200

Prints, for each card, the median, p95 and slowest time of `render_card()` (drawing
and PNG encoding, in this process, no database) and the PNG's size; and the one-off
cost of a process's first card (loading the fonts and reading their character maps).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CARDS = {
    "short Latin title": (
        "Talk",
        "Keeping Django fast",
        ("DjangoCon US 2019 · 23 September 2019", "Ann Example"),
    ),
    "long title, cut": (
        "Keynote",
        "The State of Django, and a very long title that goes on and on about bytecode, "
        "the CPython virtual machine and its internals, explained for everyone in the room",
        (
            "DjangoCon US 2009 · 9 September 2009",
            "Jacob Kaplan-Moss, Ondřej Čertík and Zoë Łukasiewicz",
        ),
    ),
    "Korean title": (
        "Talk",
        "파이썬으로 만드는 나만의 검색 엔진: 형태소 분석부터 랭킹까지",
        ("파이콘 한국 2019 · 15 August 2019", "김파이 and 이썬"),
    ),
    "one long word": ("Talk", "Supercalifragilisticexpialidocious" * 6, ()),
    "speaker": (
        "Speaker",
        "Jacob Kaplan-Moss",
        ("12 talks at 7 conferences", "Latest: DjangoCon US 2019"),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confnotes.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "card-bench")
    import django

    django.setup()
    from confnotes.card_image import Card, render_card

    started = time.perf_counter()
    render_card(Card("Talk", "Warm-up", ()))
    print(f"first card of a process: {(time.perf_counter() - started) * 1000:.1f} ms")
    print(f"{'card':<20} {'median':>8} {'p95':>8} {'max':>8} {'PNG':>8}")
    for name, (kicker, title, lines) in CARDS.items():
        card = Card(kicker, title, lines)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            png = render_card(card)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{name:<20} {statistics.median(times):>6.1f}ms {p95:>6.1f}ms "
            f"{times[-1]:>6.1f}ms {len(png) / 1000:>6.1f}kB"
        )


if __name__ == "__main__":
    main()
