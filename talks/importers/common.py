"""What every importer shares: errors, the summary, series and language guesses, speakers."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.text import slugify

from speakers.models import Speaker, SpeakerAlias, normalize_name

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
    """Counts of created/updated/skipped rows per model, and skipped records by name."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    )
    problems: list[str] = field(default_factory=list)

    def add(self, model: str, action: str, n: int = 1) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        self.counts[model][action] += n

    def problem(self, message: str) -> None:
        """Record a skipped record, named in `message`."""
        self.problems.append(message)

    def merge(self, other: "ImportSummary") -> None:
        for model, actions in other.counts.items():
            for action, n in actions.items():
                self.counts[model][action] += n
        self.problems.extend(other.problems)

    def get(self, model: str, action: str) -> int:
        return self.counts.get(model, {}).get(action, 0)

    def lines(self) -> list[str]:
        """The summary as printable lines, one per model, then one per problem."""
        out = [
            f"{model}: " + ", ".join(f"{actions[action]} {action}" for action in ACTIONS)
            for model, actions in sorted(self.counts.items())
        ]
        out.extend(f"skipped: {problem}" for problem in self.problems)
        return out


_YEAR = re.compile(r"\s*[-–:,(]?\s*(19|20)\d\d\)?\s*$")
_LEADING_YEAR = re.compile(r"^\s*(19|20)\d\d\s+")


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
    Lookups are cached; a new spelling of a known person is kept as an alias.
    """

    def __init__(self, summary: ImportSummary):
        self.summary = summary
        self._by_key: dict[str, Speaker] = {}
        self._slugs: set[str] | None = None

    def preload(self, names) -> None:
        """Fetch, in two queries, every existing speaker that one of `names` may be."""
        keys = {normalize_name(n) for n in names if n and n.strip()} - set(self._by_key)
        if not keys:
            return
        for speaker in Speaker.objects.filter(normalized_name__in=keys):
            self._by_key.setdefault(speaker.normalized_name, speaker)
        for alias in SpeakerAlias.objects.filter(normalized_name__in=keys).select_related(
            "speaker"
        ):
            self._by_key.setdefault(alias.normalized_name, alias.speaker)

    def resolve(self, name: str) -> Speaker | None:
        """The speaker called `name`, created when nobody matches; None for a blank name."""
        clean = " ".join((name or "").split())
        key = normalize_name(clean)
        if not key:
            return None
        if key not in self._by_key:
            self.preload([clean])
        speaker = self._by_key.get(key)
        if speaker is None:
            speaker = Speaker(name=clean[:200], slug=self._new_slug(clean))
            speaker.save()
            self.summary.add("Speaker", "created")
            self._by_key[key] = speaker
        return speaker

    def _new_slug(self, name: str) -> str:
        if self._slugs is None:
            self._slugs = set(Speaker.objects.values_list("slug", flat=True))
        base = slugify(name)[:190].strip("-") or "speaker"
        slug, n = base, 2
        while slug in self._slugs:
            slug = f"{base}-{n}"
            n += 1
        self._slugs.add(slug)
        return slug
