"""Speakers' names left inside talk titles, taken out.

pyvideo's records of some events have no speakers; the names are in the titles instead:
"파이썬으로 챗봇 만들기 - 홍길동", "Data analysis (Kim Chulsoo)", "Bombs Over Our Minds -
JunWei Song & KunYu Chen - PyCon.KR 2019". `split_title` recognises these shapes:

- "Title - Name" (a hyphen, en dash or em dash between spaces; the last one counts),
- "Title (Name)" (a parenthesis closing the title),
- either followed by " - <the event>" (a last part naming the event: its first word is
  the conference's and it holds the conference's year), which is dropped too,
- several names joined by ", ", " & " or "/",

and only where every name is known: a speaker's name or alias in the archive, or a name
that another record of the same event gives as a speaker. A name known to nobody leaves
the title as it is. Used by `import_pyvideo` (records without speakers) and by
`manage.py split_title_names` (talks imported before).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from speakers.models import Speaker, SpeakerAlias, normalize_name

_DASH = re.compile(r"\s+[-–—]\s+")
_PARENTHESIS = re.compile(r"^(?P<title>.*\S)\s*\((?P<names>[^()]+)\)$")
_JOINS = re.compile(r"\s*,\s+|\s+&\s+|\s*/\s*")
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
MAX_NAMES = 6


@dataclass(frozen=True)
class Split:
    title: str
    speakers: list[str]


def _names(text: str) -> list[str]:
    names = [" ".join(name.split()) for name in _JOINS.split(text.strip())]
    usable = all(name and not set(name) & set("()[]:") for name in names)
    return names if usable and len(names) <= MAX_NAMES else []


def _names_the_event(part: str, conference_name: str) -> bool:
    """ "PyCon.KR 2019" names "PyCon Korea 2019": the same first word and year."""
    words, conference = normalize_name(part).split(), normalize_name(conference_name).split()
    years = {m.group() for m in _YEAR.finditer(part)}
    own_years = {m.group() for m in _YEAR.finditer(conference_name)}
    return bool(words and conference and words[0] == conference[0] and years & own_years)


def candidates(title: str, conference_name: str = "") -> list[Split]:
    """Every (title, names) reading of `title` by the shapes above, known or not."""
    text = " ".join((title or "").split())
    dashes = list(_DASH.finditer(text))
    if len(dashes) >= 2 and _names_the_event(text[dashes[-1].end() :], conference_name):
        # "Title - Name - PyCon.KR 2019": the event's name goes with the speaker's.
        text = text[: dashes[-1].start()]
        dashes.pop()
    out = []
    if dashes:
        head, tail = text[: dashes[-1].start()].strip(), text[dashes[-1].end() :].strip()
        names = _names(tail)
        if head and names:
            out.append(Split(head, names))
    match = _PARENTHESIS.match(text)
    if match:
        names = _names(match.group("names"))
        if names:
            out.append(Split(match.group("title").strip(" -–—"), names))
    return [split for split in out if split.title]


def known_names(names: Iterable[str]) -> set[str]:
    """The normalized forms of `names` that a speaker or alias of the archive has (two
    queries)."""
    keys = {normalize_name(name) for name in names} - {""}
    if not keys:
        return set()
    found = set(
        Speaker.objects.filter(normalized_name__in=keys).values_list("normalized_name", flat=True)
    )
    found |= set(
        SpeakerAlias.objects.filter(normalized_name__in=keys).values_list(
            "normalized_name", flat=True
        )
    )
    return found


def split_title(title: str, known: set[str], conference_name: str = "") -> Split | None:
    """The first reading of `title` whose every name is in `known` (normalized), else
    None."""
    for split in candidates(title, conference_name):
        if all(normalize_name(name) in known for name in split.speakers):
            return split
    return None


def split_titles(
    titles: Iterable[str], *, conference_name: str = "", event_names: Iterable[str] = ()
) -> dict[str, Split]:
    """{title: its split} for the titles that have one; names are known from the archive
    (one lookup for all) or from `event_names`, the speakers the event's records give."""
    titles = list(dict.fromkeys(titles))
    readings = {title: candidates(title, conference_name) for title in titles}
    wanted = {name for splits in readings.values() for s in splits for name in s.speakers}
    known = known_names(wanted) | {normalize_name(name) for name in event_names}
    out = {}
    for title in titles:
        split = split_title(title, known, conference_name)
        if split is not None:
            out[title] = split
    return out
