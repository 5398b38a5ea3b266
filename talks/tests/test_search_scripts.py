"""Search in scripts written without spaces: Korean, Japanese, Chinese (and Thai) words
found inside longer words, on SQLite and on PostgreSQL (whichever the suite runs on)."""

import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talks.importers.pyvideo import import_pyvideo
from talks.models import Conference
from talks.search import GRAMS_TABLE, TABLE, SearchFilters, search_talks, search_terms
from talks.search_scripts import WORD_BREAK, break_words, grams, index_columns
from talks.tests.factories import make_day, make_note, make_speaker, make_talk

pytestmark = pytest.mark.django_db

REAL_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pyvideo"

# Real titles of PyCon KR, PyCon JP and PyCon China talks, or close to them.
KOREAN = [
    "파이썬으로 만드는 웹 서비스",
    "딥러닝과파이썬의 만남",
    "Django로 쇼핑몰 만들자",
    "비동기 프로그래밍 입문",
]
JAPANESE = [
    "Pythonを取り巻く開発環境",
    "機械学習入門者のためのライブラリ",
    "ナウでヤングな17歳のVPS構築記",
]
CHINESE = [
    "使用Python制作简单的家用机器人",
    "异步编程实践",
]
THAI = ["การเขียนโปรแกรมภาษาไพทอน"]
LATIN = ["Python packaging today", "Async Django in practice"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def sample(committed):
    with committed():
        day = make_day()
        for title in KOREAN + JAPANESE + CHINESE + THAI + LATIN:
            make_talk(day, title=title)


def found(query, **filters) -> list[str]:
    return sorted(
        hit.talk.title for hit in search_talks(query, filters=SearchFilters(**filters)).hits
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A word inside longer words, with particles or none, at the start, middle, end.
        ("파이썬", ["딥러닝과파이썬의 만남", "파이썬으로 만드는 웹 서비스"]),
        ("파이썬으로", ["파이썬으로 만드는 웹 서비스"]),
        ("러닝", ["딥러닝과파이썬의 만남"]),
        ("쇼핑몰", ["Django로 쇼핑몰 만들자"]),
        ("開発環境", ["Pythonを取り巻く開発環境"]),
        ("機械学習", ["機械学習入門者のためのライブラリ"]),
        ("入門者", ["機械学習入門者のためのライブラリ"]),
        ("構築", ["ナウでヤングな17歳のVPS構築記"]),
        ("编程", ["异步编程实践"]),
        ("家用机器人", ["使用Python制作简单的家用机器人"]),
        ("ไพทอน", ["การเขียนโปรแกรมภาษาไพทอน"]),
        # Two characters (one bigram) and one character (grams that start with it).
        ("입문", ["비동기 프로그래밍 입문"]),
        ("异步", ["异步编程实践"]),
        ("門", ["機械学習入門者のためのライブラリ"]),
        ("践", ["异步编程实践"]),  # the last character of its run
        ("歳", ["ナウでヤングな17歳のVPS構築記"]),
        # Latin words joined to those scripts are words of their own.
        ("django", ["Async Django in practice", "Django로 쇼핑몰 만들자"]),
        (
            "python",
            [
                "Python packaging today",
                "Pythonを取り巻く開発環境",
                "使用Python制作简单的家用机器人",
            ],
        ),
        ("vps", ["ナウでヤングな17歳のVPS構築記"]),
        ("17", ["ナウでヤングな17歳のVPS構築記"]),
        # Every term is required, whichever index holds it.
        ("python 開発", ["Pythonを取り巻く開発環境"]),
        ("Djangoで", []),
        ("파이썬 만남", ["딥러닝과파이썬의 만남"]),
        # Written joined, as in the title.
        ("17歳のVPS", ["ナウでヤングな17歳のVPS構築記"]),
        # No match across two runs, nor for characters that only meet across a space.
        ("웹서비스", []),
        ("스쇼", []),
    ],
)
def test_words_inside_longer_words_are_found(sample, query, expected):
    assert found(query) == expected


def test_title_match_ranks_above_notes_mention(committed):
    with committed():
        day = make_day()
        in_notes = make_talk(day, title="Keynote")
        make_note(talk=in_notes, body="오늘은 파이썬 이야기를 많이 했다. " * 3)
        in_abstract = make_talk(day, title="Lightning", abstract="파이썬으로 만든 게임.")
        by_speaker = make_talk(day, title="Opening", speakers=[make_speaker(name="김파이썬")])
        in_title = make_talk(day, title="파이썬으로 만드는 웹 서비스")

    results = search_talks("파이썬")

    ranked = [hit.talk for hit in results.hits]
    assert set(ranked[:2]) == {in_title, by_speaker}  # title and speakers weigh the same
    assert ranked[2:] == [in_abstract, in_notes]
    assert results.total == 4


def test_words_and_runs_together_rank_by_where_the_runs_match(committed):
    with committed():
        day = make_day()
        in_notes = make_talk(day, title="Python tooling")
        make_note(talk=in_notes, body="開発の話もあった。")
        in_title = make_talk(day, title="Pythonを使った開発環境")
        make_talk(day, title="開発環境の話")  # no Python

    results = search_talks("python 開発")

    assert [hit.talk for hit in results.hits] == [in_title, in_notes]
    assert results.total == 2


def test_excerpt_marks_the_match_inside_a_word_and_escapes(client, committed):
    with committed():
        make_talk(
            title="Lightning",
            abstract="소개: `<b>굵게</b>` & " + "긴 설명 " * 40 + "파이썬으로 만든 게임.",
        )
        noted = make_talk(title="Keynote", abstract="No match here.")
        make_note(talk=noted, body="Some notes, then 機械学習入門者 in the middle.")

    korean = search_talks("파이썬").hits[0]
    japanese = search_talks("学習").hits[0]
    html = client.get("/search/", {"q": "파이썬"}).content.decode()

    assert korean.snippet_source == "abstract"
    assert "<mark>파이썬</mark>으로 만든 게임." in korean.snippet
    assert korean.snippet.startswith("… ")  # cut to the match
    assert "<mark>파이썬</mark>으로" in html
    assert japanese.snippet_source == "notes"
    assert "機械<mark>学習</mark>入門者" in japanese.snippet
    escaped = search_talks("굵게").hits[0].snippet
    assert escaped.startswith("소개: &lt;b&gt;<mark>굵게</mark>&lt;/b&gt; &amp; 긴 설명")


def test_index_follows_a_renamed_talk(committed):
    with committed():
        talk = make_talk(title="파이썬으로 만드는 웹 서비스")
    assert found("파이썬") == ["파이썬으로 만드는 웹 서비스"]

    with committed():
        talk.title = "자바스크립트로 만드는 앱"
        talk.save()

    assert found("스크립트") == ["자바스크립트로 만드는 앱"]
    assert found("파이썬") == []
    assert found("웹") == []

    with committed():
        talk.delete()

    assert found("스크립트") == []
    assert _gram_rows() == 0


def test_index_follows_speaker_and_note_edits(committed):
    with committed():
        speaker = make_speaker(name="김철수")
        talk = make_talk(title="Keynote", speakers=[speaker])
        note = make_note(talk=talk, body="東京タワーの話")
    assert found("철수") == found("タワー") == ["Keynote"]

    with committed():
        speaker.name = "이영희"
        speaker.save()
        note.body = "大阪城の話"
        note.save()

    assert found("철수") == found("タワー") == []
    assert found("영희") == found("阪城") == ["Keynote"]


def test_only_talks_with_such_text_have_a_gram_row(sample):
    assert _gram_rows() == len(KOREAN + JAPANESE + CHINESE + THAI)


def _gram_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {GRAMS_TABLE}")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------
# Latin search as it was


def test_latin_queries_read_the_word_index_only(sample):
    with CaptureQueriesContext(connection) as queries:
        results = search_talks("python")

    assert results.total == 3
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert TABLE in sql
    assert GRAMS_TABLE not in sql


def test_latin_excerpts_still_come_from_the_engine(committed):
    with committed():
        make_talk(title="Templates", abstract="All about the teapot protocol and more.")

    with CaptureQueriesContext(connection) as queries:
        hit = search_talks("teapot").hits[0]

    assert "<mark>teapot</mark>" in hit.snippet
    engine = "snippet(" if connection.vendor == "sqlite" else "ts_headline("
    assert any(engine in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("query", ["파이썬", "파이썬 django"])
def test_query_count_constant(client, django_assert_num_queries, committed, size, query):
    with committed():
        for n in range(size):
            day = make_day()
            for i in range(3):
                make_talk(
                    day,
                    title=f"Django로 파이썬 웹 만들기 {n}-{i}",
                    speakers=[make_speaker(), make_speaker()],
                    tags=["web"],
                    abstract="파이썬으로 만든 *웹* 서비스.",
                )

    # As for any query: results (one query on PostgreSQL, three on SQLite), the
    # page's excerpts, its talks, their speakers.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 6):
        response = client.get("/search/", {"q": query, "tag": "web"})

    html = response.content.decode()
    assert html.count('class="talk-row"') == 3 * size
    assert html.count("<mark>파이썬</mark>") == 3 * size


# ---------------------------------------------------------------------------
# Units


def test_grams_close_each_run_with_its_last_character():
    assert grams("파이썬") == ["파이", "이썬", "썬"]
    assert grams("東京 meetup 京都") == ["東京", "京", "京都", "都"]
    assert grams("Plain English, naïve café") == []
    assert grams("가나다라", limit=2) == ["가나", "나다"]
    assert index_columns(["一二三", "", "x四五"]) == (
        ["一二三", "", f"x{WORD_BREAK}四五"],
        ["一二 二三 三", "", "四五 五"],
    )
    assert grams("𠮷野家 𠀋") == ["𠮷野", "野家", "家", "𠀋"]  # past the Basic Multilingual Plane


def test_word_breaks_where_scripts_meet():
    assert break_words("Django로 쇼핑몰") == f"Django{WORD_BREAK}로 쇼핑몰"
    assert break_words("17歳のVPS構築") == f"17{WORD_BREAK}歳の{WORD_BREAK}VPS{WORD_BREAK}構築"
    assert break_words("node.js café") == "node.js café"


def test_query_words_are_cut_where_scripts_meet():
    assert search_terms("Django로 쇼핑몰!") == ["Django", "로", "쇼핑몰"]
    assert search_terms("Pythonを取り巻く") == ["Python", "を取り巻く"]
    assert search_terms("東京 meetup") == ["東京", "meetup"]


def test_hostile_unspaced_queries_never_error(sample, client):
    for query in ['"파이썬', "門*", "東京:*", "'東京' & '京都'", "ー", "・", "々", "ิ"]:
        results = search_talks(query)
        assert results.total == len(results.hits)
        assert client.get("/search/", {"q": query}).status_code == 200


# ---------------------------------------------------------------------------
# The real data


def _event_folder(tmp_path: Path, event: str) -> Path:
    """The pyvideo event folder `event`, from the shared data folder or its tarball."""
    folder = REAL_DATA / event
    if (folder / "category.json").exists():
        return folder
    tarball = REAL_DATA / "pyvideo-data.tar.gz"
    if not tarball.exists():
        pytest.skip(f"{REAL_DATA} is absent: the shared data folder is not next to the repository")
    prefix = f"pyvideo-data/{event}/"
    with tarfile.open(tarball, "r|gz") as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(prefix):
                target = tmp_path / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    folder = tmp_path / "pyvideo-data" / event
    if not (folder / "category.json").exists():
        pytest.skip(f"{event} is not in {tarball} (the shared copy holds back a few events)")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    ("event", "word", "in_titles"),
    [("pycon-kr-2018", "파이썬", 17), ("pycon-kr-2019", "파이썬", 10)],
)
def test_real_korean_event_every_talk_with_the_word_is_found(
    tmp_path, committed, event, word, in_titles
):
    folder = _event_folder(tmp_path, event)
    titles = {
        json.loads(path.read_text(encoding="utf-8"))["title"]
        for path in (folder / "videos").glob("*.json")
    }
    assert len([title for title in titles if word in title]) == in_titles
    with committed():
        import_pyvideo([folder])
    conference = Conference.objects.get(external_id=event)
    expected = {
        talk.title
        for talk in conference.talks.all()
        if word in talk.title or word in talk.abstract_html
    }

    results = search_talks(word, filters=SearchFilters(conference=conference.slug), per_page=100)

    assert {hit.talk.title for hit in results.hits} == expected
    assert results.total == len(expected) >= in_titles
