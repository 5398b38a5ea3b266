"""Speakers' names inside titles (issue 18): "Title - Name", "Title (Name)" taken out
where every name is a known speaker, by import_pyvideo and by split_title_names."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from speakers.models import Speaker, SpeakerAlias, normalize_name
from talks.exporters.pyvideo import export_pyvideo
from talks.importers.pyvideo import import_pyvideo
from talks.models import Conference, Talk
from talks.tests.factories import make_speaker
from talks.tests.pyvideo_samples import video, write_event
from talks.tests.test_round_trips import (
    assert_nothing_changed,
    assert_same,
    conference_snapshot,
    fresh_database,
)
from talks.title_names import candidates, split_title

pytestmark = pytest.mark.django_db

KR_2018 = "PyCon Korea 2018"


def kr_videos() -> dict:
    """Shaped like pyvideo's pycon-kr-2018 and 2019: no speakers, names in the titles."""

    def record(title, n):
        return video(
            title=title,
            speakers=[],
            recorded="2018-08-15",
            duration=1800 + n,
            language="kor",
            description="",
            videos=[{"type": "youtube", "url": f"https://www.youtube.com/watch?v=kr{n}"}],
        )

    return {
        "caesbos": record("파이썬으로 챗봇 만들기 - 홍길동", 1),
        "deiteo": record("데이터 분석 입문 (김철수)", 2),
        "endash": record("비동기 프로그래밍 – 이영희", 3),
        "together": record("Bombs Over Our Minds - JunWei Song & 김철수 - PyCon.KR 2018", 4),
        "nobody": record("웹 크롤러 만들기 - 박무명", 5),  # a name known to nobody
        "subtitle": record("법률을 디버깅하다 (Debugging law)", 6),  # no name at all
        "edited": record("테스트 자동화 - 홍길동", 7),
    }


def kr_event(root):
    return write_event(root, "pycon-kr-2018", kr_videos(), category={"title": KR_2018})


def known_speakers():
    make_speaker(name="홍길동")
    make_speaker(name="Kim Chulsoo")
    SpeakerAlias.objects.create(speaker=Speaker.objects.get(name="Kim Chulsoo"), name="김철수")
    make_speaker(name="이영희")
    make_speaker(name="JunWei Song")


# ---------------------------------------------------------------------------
# The rule


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("파이썬으로 챗봇 만들기 - 홍길동", ("파이썬으로 챗봇 만들기", ["홍길동"])),
        ("데이터 분석 입문 (김철수)", ("데이터 분석 입문", ["김철수"])),
        ("비동기 프로그래밍 – 이영희", ("비동기 프로그래밍", ["이영희"])),
        (
            "Bombs - Over Our Minds - JunWei Song & 김철수 - PyCon.KR 2018",
            ("Bombs - Over Our Minds", ["JunWei Song", "김철수"]),
        ),
        ("Testing - 홍길동, 이영희", ("Testing", ["홍길동", "이영희"])),
        ("Testing - 홍길동/이영희", ("Testing", ["홍길동", "이영희"])),
    ],
)
def test_the_shapes_with_known_names(title, expected):
    known = {normalize_name(n) for n in ("홍길동", "김철수", "이영희", "JunWei Song")}
    split = split_title(title, known, KR_2018)
    assert (split.title, split.speakers) == expected


@pytest.mark.parametrize(
    "title",
    [
        "웹 크롤러 만들기 - 박무명",  # a name nobody has
        "Testing - 홍길동 & 박무명",  # one of two names unknown
        "법률을 디버깅하다 (Debugging law)",
        "Closing - PyCon.KR 2018",  # the event, not a speaker
        "Keynote",
        "홍길동",  # a name and no title
    ],
)
def test_titles_left_alone(title):
    assert split_title(title, {normalize_name(n) for n in ("홍길동", "김철수")}, KR_2018) is None


def test_names_in_brackets_are_no_names():
    assert candidates("A - B (C/D)")[-1].speakers == ["C", "D"]
    assert all("(" not in name for split in candidates("A - B (C/D)") for name in split.speakers)


# ---------------------------------------------------------------------------
# The command


def imported_before(tmp_path) -> Conference:
    """pycon-kr-2018 imported while its names were known to nobody; then the archive
    learns them (another event lists them as speakers) and a writer edits one title."""
    import_pyvideo([kr_event(tmp_path / "in")])
    assert not Talk.objects.filter(speakers__isnull=False).exists()
    known_speakers()
    edited = Talk.objects.get(slug="edited")
    edited.title = "테스트 자동화 - 홍길동 (다시 보기)"
    edited.save()
    return Conference.objects.get(slug="pycon-kr-2018")


def titles_and_speakers() -> dict:
    return {
        talk.slug: (talk.title, [s.name for s in talk.speakers.order_by("talk_speakers__position")])
        for talk in Talk.objects.all()
    }


def test_dry_run_prints_each_change_and_changes_nothing(tmp_path):
    imported_before(tmp_path)
    before = titles_and_speakers()
    out = StringIO()

    call_command("split_title_names", "pycon-kr-2018", "--dry-run", stdout=out)

    assert titles_and_speakers() == before
    text = out.getvalue()
    assert (
        "pycon-kr-2018/caesbos: “파이썬으로 챗봇 만들기 - 홍길동” → “파이썬으로 챗봇 만들기” "
        "+ speakers: 홍길동"
    ) in text
    assert "“데이터 분석 입문 (김철수)” → “데이터 분석 입문” + speakers: 김철수" in text
    assert "Dry run: 4 talks would change; none changed." in text
    assert "박무명" not in text and "edited" not in text


def test_the_command_splits_known_names_only_and_never_a_writers_title(tmp_path):
    conference = imported_before(tmp_path)
    out = StringIO()

    call_command("split_title_names", stdout=out)

    after = titles_and_speakers()
    assert after["caesbos"] == ("파이썬으로 챗봇 만들기", ["홍길동"])
    assert after["deiteo"] == ("데이터 분석 입문", ["Kim Chulsoo"])  # known by an alias
    assert after["endash"] == ("비동기 프로그래밍", ["이영희"])
    assert after["together"] == ("Bombs Over Our Minds", ["JunWei Song", "Kim Chulsoo"])
    assert after["nobody"] == ("웹 크롤러 만들기 - 박무명", [])
    assert after["subtitle"] == ("법률을 디버깅하다 (Debugging law)", [])
    assert after["edited"] == ("테스트 자동화 - 홍길동 (다시 보기)", [])  # a writer's title
    assert "4 talks changed; 0 speakers created." in out.getvalue()
    assert Speaker.objects.count() == 4

    # A re-import of the same folder agrees, and a second run finds nothing to do.
    snapshot = conference_snapshot(conference)
    assert_nothing_changed(import_pyvideo([tmp_path / "in" / "pycon-kr-2018"]))
    assert_same(snapshot, conference_snapshot(conference))
    again = StringIO()
    call_command("split_title_names", "pycon-kr-2018", stdout=again)
    assert "0 talks changed" in again.getvalue()


def test_split_talks_export_and_import_back_unchanged(tmp_path):
    conference = imported_before(tmp_path)
    call_command("split_title_names", stdout=StringIO())
    before = conference_snapshot(conference)
    folder = export_pyvideo(conference, tmp_path / "out")

    assert_nothing_changed(import_pyvideo([folder]))
    assert_same(before, conference_snapshot(conference))
    fresh_database()
    import_pyvideo([folder])
    assert_same(before, conference_snapshot(Conference.objects.get()))


def test_unknown_conference_is_a_clear_error_and_changes_nothing(tmp_path):
    imported_before(tmp_path)
    before = titles_and_speakers()
    with pytest.raises(CommandError, match="No conference with the slug: pycon-kr-2099"):
        call_command("split_title_names", "pycon-kr-2018", "pycon-kr-2099", stdout=StringIO())
    assert titles_and_speakers() == before


# ---------------------------------------------------------------------------
# The import


def test_import_takes_out_names_the_archive_or_the_event_knows(tmp_path):
    known_speakers()
    videos = kr_videos()
    # A name known only to this event: another of its records lists her as a speaker.
    videos["listed"] = video(title="Opening", speakers=["박무명"], recorded="2018-08-15")

    import_pyvideo([write_event(tmp_path, "pycon-kr-2018", videos, category={"title": KR_2018})])

    after = titles_and_speakers()
    assert after["caesbos"] == ("파이썬으로 챗봇 만들기", ["홍길동"])
    assert after["nobody"] == ("웹 크롤러 만들기", ["박무명"])
    assert after["subtitle"] == ("법률을 디버깅하다 (Debugging law)", [])
    assert after["listed"] == ("Opening", ["박무명"])
