"""What every importer shares: errors, the summary, series and language guesses, speakers."""

import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connections, router, transaction

from confnotes.routers import use_primary
from confnotes.slugs import ascii_slug, free_slug
from confnotes.text import clean_text
from speakers.models import Speaker, SpeakerAlias, normalize_name
from talks.importers.bulk import insert
from talks.models import Conference, Day, Kind, Link, LinkKind, TaggedTalk, Talk, TalkSpeaker

ACTIONS = ("created", "updated", "skipped")


class ImportFailed(Exception):
    """A file (or record) that cannot be imported; its message is one line:
    "<file>: <record>: <problem>" (the record part only when one is known)."""

    def __init__(self, path, problem: str, record: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.record = record
        parts = [self.path, record, problem] if record else [self.path, problem]
        super().__init__(": ".join(" ".join(str(p).split()) for p in parts))


@dataclass
class ImportSummary:
    """Counts of created/updated/skipped rows per model, skipped records by name, and
    values left out of records imported (an absurd duration, say)."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    )
    problems: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def add(self, model: str, action: str, n: int = 1) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        self.counts[model][action] += n

    def problem(self, message: str) -> None:
        """Record a skipped record, named in `message`."""
        self.problems.append(message)

    def drop(self, message: str) -> None:
        """Record a value left out of an imported record, named in `message`."""
        self.dropped.append(message)

    def merge(self, other: "ImportSummary") -> None:
        for model, actions in other.counts.items():
            for action, n in actions.items():
                self.counts[model][action] += n
        self.problems.extend(other.problems)
        self.dropped.extend(other.dropped)

    def get(self, model: str, action: str) -> int:
        return self.counts.get(model, {}).get(action, 0)

    def lines(self) -> list[str]:
        """The summary as printable lines, one per model, one per problem, then the
        count of dropped values and one line each."""
        out = [
            f"{model}: " + ", ".join(f"{actions[action]} {action}" for action in ACTIONS)
            for model, actions in sorted(self.counts.items())
        ]
        out.extend(f"skipped: {problem}" for problem in self.problems)
        if self.dropped:
            out.append(f"Values dropped: {len(self.dropped)} (the rest of each record imported)")
            out.extend(f"dropped: {message}" for message in self.dropped)
        return out


_YEAR = re.compile(r"\s*[-–:,(]?\s*(19|20)\d\d\)?\s*$")
_LEADING_YEAR = re.compile(r"^\s*(19|20)\d\d\s+")


def refuse_json_constant(name: str):
    """`json.loads(..., parse_constant=...)`: NaN and Infinity are not JSON, and no
    database JSON column takes them."""
    raise ValueError(f"{name} is not a JSON number")


def clean_strings(value):
    """A parsed JSON value with clean_text() applied to every string in it, keys too."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    return value


def guess_series(title: str) -> str:
    """The name all editions share: "DjangoCon US 2019" → "DjangoCon US"."""
    text = " ".join((title or "").split())
    series = _YEAR.sub("", text)
    series = _LEADING_YEAR.sub("", series)
    return series.strip(" -–:,") or text


# ISO 639-3 codes (pyvideo) and names to the two-letter codes schedules use.
_LANGUAGES = {
    "eng": "en", "english": "en", "deu": "de", "ger": "de", "german": "de", "spa": "es",
    "spanish": "es", "fra": "fr", "fre": "fr", "french": "fr", "ita": "it", "por": "pt",
    "portuguese": "pt", "pol": "pl", "rus": "ru", "jpn": "ja", "japanese": "ja", "kor": "ko",
    "korean": "ko", "zho": "zh", "chi": "zh", "chinese": "zh", "nld": "nl", "dut": "nl",
    "ces": "cs", "cze": "cs", "swe": "sv", "fin": "fi", "ukr": "uk", "tur": "tr", "heb": "he",
    "ell": "el", "gre": "el", "hun": "hu", "ron": "ro", "rum": "ro", "ind": "id", "vie": "vi",
    "tha": "th", "cat": "ca", "eus": "eu", "baq": "eu", "glg": "gl", "lit": "lt", "lav": "lv",
    "est": "et", "slk": "sk", "slo": "sk", "slv": "sl", "hrv": "hr", "srp": "sr", "bul": "bg",
    "dan": "da", "nor": "no", "nob": "nb", "ara": "ar", "hin": "hi", "fas": "fa", "per": "fa",
    "mul": "mul",
}  # fmt: skip


def language_code_3(code: str) -> str:
    """ "en" → "eng": the ISO 639-3 code (as pyvideo writes languages) of a two-letter
    code; a code without one is returned as it is."""
    for name, two in _LANGUAGES.items():
        if two == code and len(name) == 3:
            return name
    return code


def normalize_language(value) -> str:
    """ "eng" → "en", "en" → "en", "English" → "en"; unknown strings kept, lowercased."""
    if not isinstance(value, str):
        return ""
    code = value.strip().lower()
    return _LANGUAGES.get(code, code)[:20]


class SpeakerResolver:
    """Finds or creates one Speaker per person across an import run.

    Names are matched by their normalized form against speakers' names and known
    aliases, so "Amber Brown (\"HawkOwl\")" and "Amber Brown" are one person.
    Lookups are cached for the run. Aliases are matched, never created: that a
    new spelling is the same person is an editor's call, made in the admin.
    """

    def __init__(self, summary: ImportSummary):
        self.summary = summary
        self._by_key: dict[str, Speaker] = {}
        self._slugs: set[str] | None = None
        self.created_pks: set[int] = set()  # speakers resolve_all() created in this run
        self.created: list[Speaker] = []  # the same, in the order they were made

    def _preload(self, keys) -> None:
        """Fetch, in two queries, every existing speaker known by one of these
        normalized names."""
        keys = [key for key in keys if key not in self._by_key]
        if not keys:
            return
        for speaker in Speaker.objects.filter(normalized_name__in=keys):
            self._by_key.setdefault(speaker.normalized_name, speaker)
        for alias in SpeakerAlias.objects.filter(normalized_name__in=keys).select_related(
            "speaker"
        ):
            self._by_key.setdefault(alias.normalized_name, alias.speaker)

    def resolve_all(self, names) -> dict[str, Speaker]:
        """Resolve many names at once (one lookup, one insert for the new people);
        returns {normalized name: speaker} for every non-blank name."""
        wanted: dict[str, str] = {}
        for name in names:
            clean = " ".join((name or "").split())
            key = normalize_name(clean)
            if key:
                wanted.setdefault(key, clean)
        self._preload(wanted)
        new = []
        for key, clean in wanted.items():
            if key not in self._by_key:
                name = clean[:200]
                speaker = Speaker(
                    name=name,
                    slug=self._new_slug(clean),
                    normalized_name=(key if name == clean else normalize_name(name))[:200],
                )
                self._by_key[key] = speaker
                new.append(speaker)
        if new:
            insert(Speaker, new)  # Past save(): nothing to render for a bare name.
            self.summary.add("Speaker", "created", len(new))
            self.created_pks.update(speaker.pk for speaker in new)
            self.created.extend(new)
        return {key: self._by_key[key] for key in wanted}

    def _new_slug(self, name: str) -> str:
        if self._slugs is None:
            self._slugs = set(Speaker.objects.order_by().values_list("slug", flat=True))
        return free_slug(ascii_slug(name)[:190].strip("-") or "speaker", self._slugs)


class PlannerStatistics:
    """Keeps PostgreSQL's planner statistics in step with a long import.

    Statistics that count no rows in a table of thousands of pages tell the planner
    the table holds one row. They come from tables never analyzed while the import
    fills them, or from an ANALYZE or VACUUM by another session (autovacuum) while
    the import's rows are not yet committed: it cannot count them. The planner then
    joins by nested loops that scan a whole table for every row of another, and a
    query that takes milliseconds takes minutes (seen in CI: one ran for 93 s).

    So after each event the import compares the talks table's row estimate with
    the talks it has created, one lookup in pg_class, and analyzes the tables it
    fills when the estimate is under half of them: about ten times for the whole
    pyvideo archive, a few milliseconds each. ANALYZE inside the import's
    transaction counts that transaction's own rows.
    """

    MIN_TALKS = 100
    MODELS = (Conference, Day, Talk, TalkSpeaker, Speaker, SpeakerAlias, Link, TaggedTalk)

    def __init__(self):
        self.talks = 0

    def grew(self, talks_created: int) -> None:
        self.talks += talks_created
        connection = connections[router.db_for_write(Talk)]
        if self.talks < self.MIN_TALKS or connection.vendor != "postgresql":
            return  # SQLite's planner keeps no statistics unless asked to (ANALYZE).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Talk._meta.db_table]
            )
            if cursor.fetchone()[0] >= self.talks / 2:
                return
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in self.MODELS)
            cursor.execute(f"ANALYZE {tables}")


def revision_comment(command: str, paths) -> str:
    """What the history says of an import run: the command and what it read."""
    return f"Imported by {command} from {', '.join(str(path) for path in paths)}."


def announce_import(sender: str, conference_ids) -> None:
    """Tell the page cache and the search index that an import wrote these
    conferences; sent once the surrounding transaction commits (at once outside one)."""
    from talks.search import leave_to_import
    from talks.signals import content_imported

    ids = sorted(set(conference_ids))
    if ids:
        leave_to_import(ids)
        transaction.on_commit(lambda: content_imported.send(sender=sender, conference_ids=ids))


@contextmanager
def use_primary_database():
    """Send this block's reads to the primary database, never to a replica: an import
    must read the rows it has just written."""
    with use_primary():
        yield


# Kinds and links, as every source names them.

_KIND_NAMES = {
    "talk": Kind.TALK, "lecture": Kind.TALK, "vortrag": Kind.TALK, "keynote": Kind.KEYNOTE,
    "lightning talk": Kind.LIGHTNING, "lightning": Kind.LIGHTNING, "workshop": Kind.WORKSHOP,
    "tutorial": Kind.TUTORIAL, "panel": Kind.PANEL, "podium": Kind.PANEL,
    "break": Kind.BREAK, "pause": Kind.BREAK, "social": Kind.SOCIAL, "sprint": Kind.SPRINT,
    "performance": Kind.OTHER, "other": Kind.OTHER,
}  # fmt: skip
# Words that tell a kind inside a longer type or track name ("Coffee break", "Social Event").
_KIND_WORDS = (
    ("keynote", Kind.KEYNOTE), ("lightning", Kind.LIGHTNING), ("workshop", Kind.WORKSHOP),
    ("hands-on", Kind.WORKSHOP), ("tutorial", Kind.TUTORIAL), ("panel", Kind.PANEL),
    ("podium", Kind.PANEL), ("break", Kind.BREAK), ("pause", Kind.BREAK), ("lunch", Kind.BREAK),
    ("coffee", Kind.BREAK), ("social", Kind.SOCIAL), ("party", Kind.SOCIAL),
    ("dinner", Kind.SOCIAL), ("sprint", Kind.SPRINT), ("hackathon", Kind.SPRINT),
    ("talk", Kind.TALK), ("lecture", Kind.TALK), ("vortr", Kind.TALK),
)  # fmt: skip


def kind_for_type(value: str | None, *, default: str = Kind.OTHER) -> str:
    """The Kind of an event `type` ("lecture" → talk, "Lightning Talk" → lightning)."""
    text = " ".join((value or "").casefold().split())
    if not text:
        return default
    if text in _KIND_NAMES:
        return _KIND_NAMES[text]
    for word, kind in _KIND_WORDS:
        if word in text:
            return kind
    return default


VIDEO_HOSTS = frozenset(
    {
        "youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "player.vimeo.com",
        "media.ccc.de", "dailymotion.com", "archive.org", "peertube.tv", "twitch.tv",
    }
)  # fmt: skip
SLIDES_HOSTS = frozenset({"speakerdeck.com", "slideshare.net", "slides.com", "docs.google.com"})
CODE_HOSTS = frozenset({"github.com", "gitlab.com", "codeberg.org", "bitbucket.org"})
_SLIDES_WORDS = ("slide", "folie", "presentation", "präsentation", "praese", "deck")
_VIDEO_WORDS = ("video", "recording", "aufzeichnung")
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.").removeprefix("m.")


def link_kind(url: str, title: str) -> str:
    """What a link is, from its title and its host: slides, video, code or other."""
    text = (title or "").casefold()
    host = _host(url)
    if any(word in text for word in _SLIDES_WORDS) or host in SLIDES_HOSTS:
        return LinkKind.SLIDES
    if host in VIDEO_HOSTS or any(word in text for word in _VIDEO_WORDS):
        return LinkKind.VIDEO
    if host in CODE_HOSTS:
        return LinkKind.CODE
    return LinkKind.OTHER


def resolve_url(url, base_url: str = "") -> str | None:
    """An absolute http(s) URL for `url` ("/system/x.pdf" is resolved against the
    site of `base_url`), or None when it is not a usable link."""
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    elif url.startswith("/"):
        if not base_url:
            return None
        url = urljoin(base_url, url)
    if len(url) > 500:
        return None
    try:
        _URL_VALIDATOR(url)
    except ValidationError:
        return None
    return url
