"""Which talk each part of a recap is about, by its title and its speakers' names.

A recap (talks/recap.py) is cut into parts along its headings: a heading that
names a talk, as in "Making your PostgreSQL database sing by Frank Wiles", gives
its whole section to that talk; a heading that names the day ("Day 2") gives its
section to the day. Text under no heading, or under one that names nothing, is
read paragraph by paragraph, and a paragraph that names several talks is cut at
its sentences, so a post written as one paragraph per talk matches too.
Consecutive pieces about the same talk, or about no talk, make one part; a part
about no talk becomes a note on the day.

Titles and names are compared as words (`speakers.models.normalize_name`: no
case, accents, quotes or punctuation), speakers' aliases included. The talks of
the day come first; the other days of its conference are matched too, since one
post often covers a whole conference, and the writer sees the day of each match.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from speakers.models import SpeakerAlias, normalize_name
from talks.models import Day, Talk, TalkSpeaker
from talks.recap import (
    Block,
    NoteSource,
    is_links_line,
    join_spans,
    parse_source_line,
    split_blocks,
    split_sentences,
)

# A talk is named when its title and speaker scores (each from 0 to 1) add up to this.
MATCH = 0.5
# In running text, part of a title names a talk only with at least two of its
# words and this share of them ("a pen plotter for pocket money").
TEXT_TITLE_MIN_WORDS = 2
TEXT_TITLE_SHARE = 0.6
# A one-line paragraph that names a talk this surely reads as a heading
# ("Keynote by Ian Bicking" pasted as plain text).
LINE_HEADING_SCORE = 1.0
LINE_HEADING_MAX_CHARS = 150

STOP_WORDS = frozenset(
    "a about after an and are as at be but by can do for from how i if in into is it its "
    "me my no not of on or our out so that the their them then there this to up us using "
    "use was we what when where which who why will with you your".split()
)
# Words too common in talk titles to tell one talk from another.
GENERIC_WORDS = frozenset(
    "conference day days django djangocon intro introduction keynote keynotes lightning "
    "panel pycon python session talk talks tutorial workshop".split()
)

_BRACKETS = re.compile(r"[()\[\]]")
_BY = re.compile(r"\s+by\s+(?!.*\s+by\s+)", re.IGNORECASE)
_PHRASE_SEPARATORS = re.compile(r"\s+(?:and|&|\+|/)\s+|\s*[,;]\s+", re.IGNORECASE)


def words(text: str) -> tuple[str, ...]:
    """The words of `text` as names are compared: "Keith-Magee (Ríos)" → (keith, magee, rios)."""
    return tuple(normalize_name(_BRACKETS.sub(" ", text)).replace("-", " ").split())


def name_words(name: str) -> tuple[str, ...]:
    """A speaker's name as words, as `normalize_name` has it (no nickname in brackets)."""
    return tuple(normalize_name(name).replace("-", " ").split())


def key_words(text_words) -> frozenset[str]:
    """The words that tell a title from others: no stop words, generic words or numbers."""
    return frozenset(
        w for w in text_words if w not in STOP_WORDS and w not in GENERIC_WORDS and not w.isdigit()
    )


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    return bool(needle) and f" {' '.join(needle)} " in f" {' '.join(haystack)} "


@dataclass(frozen=True)
class Candidate:
    """A talk a recap may name, with what it is recognised by."""

    pk: int
    title: str
    day_id: int
    day_label: str
    speaker_names: tuple[str, ...]
    words: tuple[str, ...]
    key_words: frozenset[str]
    speaker_ids: frozenset[int]
    rank: int  # program order, the recap's own day first

    @property
    def label(self) -> str:
        """ "Title (Speaker and Speaker)", as the review lists it."""
        names = ", ".join(self.speaker_names)
        return f"{self.title} ({names})" if names else self.title


@dataclass(frozen=True)
class Match:
    talk: Candidate
    title: float  # how well the title is named, 0 to 1
    speaker: float  # the share of the talk's speakers named, 0 to 1

    @property
    def score(self) -> float:
        return self.title + self.speaker

    @property
    def reason(self) -> str:
        """What named the talk: "title", "speaker" or "title and speaker"."""
        return " and ".join(name for name in ("title", "speaker") if getattr(self, name))


class Program:
    """The talks a recap of `day` may name: the day's, then its conference's other days'."""

    def __init__(self, day: Day):
        self.day = day
        talks = list(
            Talk.objects.filter(conference_id=day.conference_id)
            .select_related("day")
            .only("title", "day__date", "day__position", "day__title", "position", "start_time")
            .order_by("day__date", "position", "start_time", "pk")
        )
        talks.sort(key=lambda talk: talk.day_id != day.pk)  # stable: program order within
        bylines = (
            TalkSpeaker.objects.filter(talk__conference_id=day.conference_id)
            .order_by("position", "pk")
            .values_list("talk_id", "speaker_id", "speaker__name")
        )
        names, speaker_ids, spellings = defaultdict(list), defaultdict(set), set()
        for talk_id, speaker_id, name in bylines:
            names[talk_id].append(name)
            speaker_ids[talk_id].add(speaker_id)
            spellings.add((name_words(name), speaker_id))
        aliases = SpeakerAlias.objects.filter(
            speaker__talk_speakers__talk__conference_id=day.conference_id
        ).values_list("name", "speaker_id")
        spellings.update((name_words(name), speaker_id) for name, speaker_id in aliases)
        self.talks = [
            Candidate(
                pk=talk.pk,
                title=talk.title,
                day_id=talk.day_id,
                day_label=talk.day.label,
                speaker_names=tuple(names[talk.pk]),
                words=words(talk.title),
                key_words=key_words(words(talk.title)),
                speaker_ids=frozenset(speaker_ids[talk.pk]),
                rank=rank,
            )
            for rank, talk in enumerate(talks)
        ]
        self._index(spellings)
        self.day_names = {words(day.label), words(f"Day {day.position}")}
        if day.title:
            self.day_names.add(words(day.title))

    def _index(self, spellings) -> None:
        self.by_key_word: dict[str, list[Candidate]] = defaultdict(list)
        self.by_speaker: dict[int, list[Candidate]] = defaultdict(list)
        for talk in self.talks:
            for word in talk.key_words:
                self.by_key_word[word].append(talk)
            for speaker_id in talk.speaker_ids:
                self.by_speaker[speaker_id].append(talk)
        # Titles of stop words only ("Now What") are named by the whole title, in a heading.
        self.keyless = [talk for talk in self.talks if not talk.key_words]
        # Speakers' names and aliases as words, by their first word.
        self.names: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for name_words, speaker_id in spellings:
            if name_words:
                self.names[name_words[0]].append((name_words, speaker_id))

    # -- what a text names --------------------------------------------------

    def speakers_in(self, text_words: tuple[str, ...]) -> set[int]:
        """The speakers whose name or an alias appears, whole, in the words."""
        found = set()
        for i, word in enumerate(text_words):
            for name_words, speaker_id in self.names.get(word, ()):
                if text_words[i : i + len(name_words)] == name_words:
                    found.add(speaker_id)
        return found

    def _candidates(self, text_words, speakers) -> set[Candidate]:
        found = {talk for word in set(text_words) for talk in self.by_key_word.get(word, ())}
        found.update(talk for speaker_id in speakers for talk in self.by_speaker[speaker_id])
        return found

    @staticmethod
    def _speaker_score(talk: Candidate, speakers: set[int]) -> float:
        # One of nine lightning talkers named says less than a talk's only speaker.
        if not talk.speaker_ids:
            return 0
        return len(talk.speaker_ids & speakers) / len(talk.speaker_ids)

    @staticmethod
    def _text_title_score(talk: Candidate, text_words, text_set) -> float:
        if talk.key_words and _contains(text_words, talk.words):
            return 1.0
        hits = len(talk.key_words & text_set)
        share = hits / len(talk.key_words) if talk.key_words else 0
        return share if hits >= TEXT_TITLE_MIN_WORDS and share >= TEXT_TITLE_SHARE else 0

    @staticmethod
    def _heading_title_score(talk: Candidate, phrase_words) -> float:
        if phrase_words == talk.words or (talk.key_words and _contains(phrase_words, talk.words)):
            return 1.0
        phrase_keys = key_words(phrase_words)
        found = len(talk.key_words & set(phrase_words))
        forward = found / len(talk.key_words) if talk.key_words else 0
        backward = len(phrase_keys & set(talk.words)) / len(phrase_keys) if phrase_keys else 0
        return max(forward, backward)

    @staticmethod
    def _best(matches, restrict=None) -> Match | None:
        matches = [
            m for m in matches if m.score >= MATCH and (restrict is None or m.talk.pk in restrict)
        ]
        return min(matches, key=lambda m: (-m.score, m.talk.rank), default=None)

    def in_text(self, text: str, *, restrict=None) -> Match | None:
        """The talk a piece of running text names best, if any (among `restrict` pks)."""
        text_words = words(text)
        speakers, text_set = self.speakers_in(text_words), set(text_words)
        matches = (
            Match(
                talk,
                self._text_title_score(talk, text_words, text_set),
                self._speaker_score(talk, speakers),
            )
            for talk in self._candidates(text_words, speakers)
        )
        return self._best(matches, restrict)

    def in_heading(self, heading: str) -> list[Match]:
        """The talks a heading names, in its order: one for "Title by Speaker", several
        for "Dinner and the GitHub meetup", none for a heading about something else."""
        title_part = _BY.split(heading, maxsplit=1)[0]
        whole = self._in_phrase(words(title_part), words(heading))
        if whole and key_words(words(title_part)) == whole.talk.key_words:
            return [whole]  # the title itself ("Pluggable, Reusable Django Apps: …")
        named = []
        for phrase in _PHRASE_SEPARATORS.split(title_part):
            match = self._in_phrase(words(phrase), words(phrase))
            if match and match.talk not in [m.talk for m in named]:
                named.append(match)
        return named if len(named) > 1 else ([whole] if whole else [])

    def _in_phrase(self, title_words, all_words) -> Match | None:
        speakers = self.speakers_in(all_words)
        candidates = self._candidates(title_words, speakers) | set(self.keyless)
        matches = (
            Match(
                talk,
                self._heading_title_score(talk, title_words),
                self._speaker_score(talk, speakers),
            )
            for talk in candidates
        )
        return self._best(matches)

    def names_day(self, heading: str) -> bool:
        """Whether a heading is the day's own name: "Day 2", or its title ("Tutorials")."""
        return words(heading) in self.day_names


# ---------------------------------------------------------------------------
# Cutting the recap into parts


@dataclass
class Part:
    """A piece of the recap that becomes one note, with the talk proposed for it."""

    body: str
    talk: Candidate | None
    reason: str  # why: "title and speaker", "heading names the day", "" (names no talk)
    label: str  # the heading it came under, or its first words
    source: NoteSource | None = None  # from a source line of its own


@dataclass
class Proposal:
    title: str  # the recap's own title (its first heading, naming no talk), or ""
    parts: list[Part]
    source: NoteSource | None  # the recap's source line, for parts without their own


@dataclass
class _Section:
    heading: Block | None
    named: list[Match]
    level: int = 0
    about_day: bool = False
    blocks: list[Block] = field(default_factory=list)
    source: NoteSource | None = None


def propose_parts(day: Day, markdown: str, *, program: Program | None = None) -> Proposal:
    """Cut the recap (Markdown, from `talks.recap.read_recap`) into parts, each with the
    talk of `day`'s conference it names, or none."""
    program = program or Program(day)
    blocks = split_blocks(markdown)
    title = ""
    if (
        blocks
        and blocks[0].kind == "heading"
        and not program.in_heading(blocks[0].text)
        and not program.names_day(blocks[0].text)
    ):
        title, blocks = blocks[0].text, blocks[1:]
    sections = _sections(program, blocks)
    document_source = _document_source(sections)
    parts = [part for section in sections for part in _section_parts(program, markdown, section)]
    return Proposal(title=title, parts=[p for p in parts if p.body], source=document_source)


def _as_heading(program: Program, block: Block) -> list[Match] | None:
    """The talks a heading names; for a one-line paragraph that reads as a heading
    surely naming a talk ("Keynote by Ian Bicking" in plain text), those; else None."""
    if block.kind == "heading":
        return program.in_heading(block.text)
    line = block.text.strip()
    if block.kind != "text" or "\n" in line or len(line) > LINE_HEADING_MAX_CHARS:
        return None
    if line[-1] in ".!?:;,)]":
        return None
    named = program.in_heading(line)
    return named if named and all(m.score >= LINE_HEADING_SCORE for m in named) else None


def _sections(program: Program, blocks: list[Block]) -> list[_Section]:
    """The recap's sections: each heading starts one, but for a subheading (naming no
    talk) within a talk's note; a rule ends one."""
    sections: list[_Section] = []
    current = None
    for block in blocks:
        if block.kind == "break":
            current = None
            continue
        named = _as_heading(program, block)
        if named is None:
            if current is None:
                current = _Section(heading=None, named=[])
                sections.append(current)
            current.blocks.append(block)
            continue
        level = block.level or 7  # a paragraph read as a heading sits below every real one
        if current and current.named and not named and level > current.level:
            current.blocks.append(block)
            continue
        about_day = not named and program.names_day(block.text)
        current = _Section(heading=block, named=named, level=level, about_day=about_day)
        sections.append(current)
    for section in sections:
        _take_lines(section)
    return sections


def _take_lines(section: _Section) -> None:
    """Take the source line (kept as the section's source) and, under a talk's heading,
    the links line (the talk's own data, as the exporter writes it) out of the text."""
    kept = []
    for block in section.blocks:
        source = parse_source_line(block)
        if source is not None:
            section.source = source
        elif not (section.named and is_links_line(block)):
            kept.append(block)
    section.blocks = kept


def _document_source(sections: list[_Section]) -> NoteSource | None:
    """A source line standing alone (after a rule, or before the first heading) is the
    recap's: it applies to every part without one of its own."""
    alone = [s for s in sections if s.heading is None and not s.blocks and s.source]
    for section in alone:
        sections.remove(section)
    return alone[-1].source if alone else None


def _section_parts(program: Program, markdown: str, section: _Section) -> list[Part]:
    heading, spans = section.heading, [(b.start, b.end) for b in section.blocks]
    label = heading.text if heading else ""
    if section.about_day:
        body = join_spans(markdown, spans)
        return [Part(body, None, "heading names the day", label, section.source)]
    if len(section.named) == 1:
        match = section.named[0]
        body = join_spans(markdown, spans)
        return [Part(body, match.talk, match.reason, label, section.source)]
    if section.named:  # a heading naming several talks: each paragraph to the one it names
        restrict = {m.talk.pk for m in section.named}
        pieces = _pieces(program, section.blocks, restrict=restrict, first=section.named[0])
    else:  # no heading, or one naming no talk: paragraph by paragraph
        blocks = ([heading] if heading else []) + section.blocks
        pieces = _pieces(program, blocks, restrict=None, first=None)
    parts = []
    for match, run in _runs(pieces):
        body = join_spans(markdown, run)
        name = label or " ".join(markdown[run[0][0] : run[0][1]].split()[:8])
        talk, reason = (match.talk, match.reason) if match else (None, "")
        parts.append(Part(body, talk, reason, name, section.source))
    return parts


def _pieces(program: Program, blocks: list[Block], *, restrict, first) -> list:
    """(match, span) for each block, or each sentence of a block naming several talks.

    Under a heading naming several talks (`restrict`: their pks), text naming none
    goes on about the talk before it (`first` at the start); elsewhere it names none.
    A heading naming no talk goes with the text after it.
    """
    pieces, current, headings = [], first, []
    for block in blocks:
        if block.kind == "heading":
            headings.append(block)
            continue
        sentences = split_sentences(block.text)
        matches = [program.in_text(block.text[a:b], restrict=restrict) for a, b in sentences]
        if len({m.talk.pk for m in matches if m}) > 1:
            found = _fill(matches)
            spans = [(block.start + a, block.start + b) for a, b in sentences]
        else:
            match = next((m for m in matches if m), None)
            found = [match or program.in_text(block.text, restrict=restrict)]
            spans = [(block.start, block.end)]
        if restrict is not None:
            found = [m or current for m in found]
        pieces.extend((found[0], (h.start, h.end)) for h in headings)
        pieces.extend(zip(found, spans, strict=True))
        current, headings = found[-1], []
    pieces.extend((current if restrict else None, (h.start, h.end)) for h in headings)
    return pieces


def _fill(matches: list) -> list:
    """Sentences naming no talk go with the sentence before them (the first, with the next)."""
    first = next(m for m in matches if m)
    filled, current = [], first
    for match in matches:
        current = match or current
        filled.append(current)
    return filled


def _runs(pieces) -> list:
    """Consecutive pieces about the same talk (or none), merged: [(match, [span, …])]."""
    runs = []
    for match, span in pieces:
        key = match.talk.pk if match else None
        if runs and (runs[-1][0].talk.pk if runs[-1][0] else None) == key:
            runs[-1][1].append(span)
        else:
            runs.append((match, [span]))
    return runs
