"""Search in scripts written without spaces between words: Chinese, Japanese, Korean,
Thai, Lao, Khmer and Myanmar ("unspaced" scripts below).

Both search engines cut text into words at spaces and punctuation. In these scripts a
"word" so cut is a whole phrase or a word with its particles ("파이썬으로", "入門者の"),
so a search for a word inside it finds nothing. Two changes to what is indexed fix it:

- Word breaks: a zero-width space (U+200B; SQLite's tokenizer splits there, and
  PostgreSQL's search vector turns it into a space, migration 0011) between a run of
  an unspaced script and a letter or digit of any other, so "Django로" and "Pythonを"
  hold the words "Django" and "Python" for the word index.
- Grams: each run of an unspaced script becomes its overlapping bigrams, closed by the
  run's last character alone ("파이썬" gives "파이 이썬 썬"), in a second index
  (talks/search.py). A query term of n >= 2 such characters is the phrase of its n - 1
  bigrams, which occurs exactly where the term occurs inside a run; a single character
  is the prefix query for grams that start with it, which every occurrence does (the
  closing character covers a run's end). So terms of any length are found through the
  index, and no phrase can run across two runs (the closing character stands between).
"""

import re
import unicodedata

WORD_BREAK = "\u200b"

# Blocks of unspaced scripts, as (first, last) code points. The large ideograph and
# Hangul syllable blocks hold letters only and are taken whole; in the others only
# letters, marks and digits count, not their punctuation (e.g. the katakana middle dot).
_WHOLE_BLOCKS = [
    (0x3400, 0x4DBF),  # CJK ideographs, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x323AF),  # CJK ideographs, extensions B to H
]
_MIXED_BLOCKS = [
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x303C),  # ideographic iteration marks and numerals
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x31FF),  # bopomofo, Hangul compatibility jamo, katakana extension
    (0xA960, 0xA97F),  # Hangul jamo extended A
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xD7B0, 0xD7FF),  # Hangul jamo extended B
    (0xFF66, 0xFFDC),  # halfwidth katakana and Hangul
    (0x1B000, 0x1B16F),  # kana supplement and extensions
]


def _spans() -> list[tuple[int, int]]:
    """The (first, last) code points of unspaced letters, marks and digits."""
    spans = list(_WHOLE_BLOCKS)
    for first, last in _MIXED_BLOCKS:
        start = None
        for code in range(first, last + 2):
            inside = code <= last and unicodedata.category(chr(code))[0] in "LMN"
            if inside and start is None:
                start = code
            elif not inside and start is not None:
                spans.append((start, code - 1))
                start = None
    return sorted(spans)


def _class(spans) -> str:
    """The body of a regular-expression class of these spans."""
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in spans)


_SPANS = _spans()
_UNSPACED = _class(_SPANS)
_RUN = re.compile(f"[{_UNSPACED}]+")
_SPLIT = re.compile(f"([{_UNSPACED}]+)")  # keeps the runs it splits at
# Python's re tests a class of characters within the Basic Multilingual Plane
# against a bitmap, but one reaching past it range by range, several times slower
# over a long text: has_unspaced asks the plane's part first, the rest only for text
# that has characters past the plane.
_IN_PLANE = re.compile(f"[{_class(span for span in _SPANS if span[1] <= 0xFFFF)}]")
_PAST_PLANE = re.compile(f"[{_class(span for span in _SPANS if span[1] > 0xFFFF)}]")
# A run's edge next to a letter or digit of another script (\w less the unspaced ones).
_EDGE = re.compile(
    f"(?<=[{_UNSPACED}])(?=[^\\W{_UNSPACED}])|(?<=[^\\W{_UNSPACED}])(?=[{_UNSPACED}])"
)
# A word term of a query starts a word: no letter or digit of a spaced script before it.
_WORD_START = f"(?<![^\\W{_UNSPACED}])"

# Grams per talk, filled in column order: PostgreSQL keeps phrase positions up to
# 16,383 per search vector, and every gram takes one.
GRAMS_MAX = 16_000


def has_unspaced(text: str) -> bool:
    if text.isascii():
        return False
    if _IN_PLANE.search(text):
        return True
    # A character past the plane takes two UTF-16 code units.
    past_plane = len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text)
    return past_plane and _PAST_PLANE.search(text) is not None


def break_words(text: str) -> str:
    """`text` with a word break wherever an unspaced run meets another script's letters."""
    return _EDGE.sub(WORD_BREAK, text) if has_unspaced(text) else text


def grams(text: str, limit: int = GRAMS_MAX) -> list[str]:
    """The grams of the unspaced runs of `text`, at most `limit` of them."""
    return _grams(text, limit) if has_unspaced(text) else []


def _grams(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for run in _RUN.findall(text):
        out += [run[i : i + 2] for i in range(len(run) - 1)]
        out.append(run[-1])
        if len(out) >= limit:
            return out[:limit]
    return out


def index_columns(texts) -> tuple[list[str], list[str]]:
    """The texts as the word index holds them (with word breaks), and their grams for
    the grams index, space-separated, GRAMS_MAX in all, filled in column order."""
    words, columns, left = [], [], GRAMS_MAX
    for text in texts:
        if not has_unspaced(text):
            words.append(text)
            columns.append("")
            continue
        words.append(_EDGE.sub(WORD_BREAK, text))
        found = _grams(text, left) if left else []
        left -= len(found)
        columns.append(" ".join(found))
    return words, columns


def split_term(term: str) -> list[str]:
    """A query word cut where an unspaced run meets another script: "Django로" → Django, 로."""
    if not has_unspaced(term):
        return [term]
    return [part for part in _SPLIT.split(term) if part]


def is_unspaced(term: str) -> bool:
    """Whether a (split) query term is a run of an unspaced script, found through grams."""
    return _RUN.fullmatch(term) is not None


def term_grams(term: str) -> list[str]:
    """The bigrams whose phrase finds `term`; a single character stands for itself."""
    return [term] if len(term) == 1 else [term[i : i + 2] for i in range(len(term) - 1)]


# ---------------------------------------------------------------------------
# Excerpts

EXCERPT_BEFORE = 40  # characters of context before the first match
EXCERPT_CHARS = 180


def matcher(terms: list[str]) -> re.Pattern:
    """Where any of the query's terms occurs: an unspaced term anywhere, another term at
    the start of a word, regardless of case. Longer terms first, so none hides in another."""
    parts = [
        re.escape(term) if is_unspaced(term) else _WORD_START + re.escape(term)
        for term in sorted(set(terms), key=len, reverse=True)
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


def excerpt(text: str, pattern: re.Pattern, *, start_mark: str, end_mark: str) -> str:
    """About EXCERPT_CHARS characters of `text` around its first match of `pattern`
    (from the start when there is none), each match inside between the marks."""
    first = pattern.search(text)
    begin = max(0, first.start() - EXCERPT_BEFORE) if first else 0
    if begin:
        space = text.find(" ", begin, first.start())
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + EXCERPT_CHARS)
    if end < len(text):
        space = text.rfind(" ", max(begin, end - 20), end)
        end = space if space > (first.end() if first else begin) else end
    window = pattern.sub(lambda m: f"{start_mark}{m.group(0)}{end_mark}", text[begin:end])
    return ("… " if begin else "") + window + (" …" if end < len(text) else "")
