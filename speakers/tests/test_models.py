import pytest
from django.core.exceptions import ValidationError

from speakers.models import Speaker, SpeakerAlias, SpeakerOldSlug, normalize_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('Amber Brown ("HawkOwl")', "amber brown"),
        ("Amber Brown (“HawkOwl”)", "amber brown"),
        ("  amber   BROWN  ", "amber brown"),
        ("Ámber Bröwn", "amber brown"),
        ("AMBER BROWN", "amber brown"),
        ("Łukasz Langa", "lukasz langa"),
        ("Søren O’Brien", "soren obrien"),
        ("Jean-Luc Picard", "jean-luc picard"),
        ("", ""),
    ],
)
def test_normalize_name_variants_match(name, expected):
    result = normalize_name(name)

    assert result == expected


@pytest.mark.django_db
def test_speaker_save_fills_slug_and_normalized_name():
    speaker = Speaker(name="Ámber Brown")

    speaker.save()

    assert speaker.slug == "amber-brown"
    assert speaker.normalized_name == "amber brown"


@pytest.mark.django_db
def test_speaker_save_same_name_gets_numbered_slug():
    first = Speaker.objects.create(name="Jane Doe")

    second = Speaker.objects.create(name="Jane Doe")

    assert (first.slug, second.slug) == ("jane-doe", "jane-doe-2")


@pytest.mark.django_db
def test_speaker_slug_renamed_records_old_slug():
    speaker = Speaker.objects.create(name="Jane Doe")
    speaker = Speaker.objects.get(pk=speaker.pk)

    speaker.slug = "jane-smith"
    speaker.save()

    assert list(SpeakerOldSlug.objects.values_list("speaker", "slug")) == [(speaker.pk, "jane-doe")]


@pytest.mark.django_db
def test_speaker_slug_unchanged_records_nothing():
    speaker = Speaker.objects.get(pk=Speaker.objects.create(name="Jane Doe").pk)

    speaker.bio = "Changed."
    speaker.save()

    assert not SpeakerOldSlug.objects.exists()


@pytest.mark.django_db
def test_speaker_slug_renamed_back_drops_old_slug():
    speaker = Speaker.objects.create(name="Jane Doe")
    speaker.slug = "jane-smith"
    speaker.save()

    speaker.slug = "jane-doe"
    speaker.save()

    assert list(SpeakerOldSlug.objects.values_list("slug", flat=True)) == ["jane-smith"]


@pytest.mark.django_db
def test_speaker_slug_renamed_old_slug_of_another_speaker_moves_to_latest_owner():
    first = Speaker.objects.create(name="Jane Doe")
    first.slug = "jane-smith"
    first.save()  # "jane-doe" now redirects to first.
    second = Speaker.objects.create(name="Jane Doe", slug="jane-doe")

    second.slug = "jane-doe-berlin"
    second.save()

    old = SpeakerOldSlug.objects.get(slug="jane-doe")
    assert old.speaker == second


@pytest.mark.django_db
def test_speaker_save_renders_bio_markdown_without_script():
    speaker = Speaker(name="Jane Doe", bio="**Core dev**\n\n<script>alert('x')</script>")

    speaker.save()

    assert "<strong>Core dev</strong>" in speaker.bio_html
    assert "<script" not in speaker.bio_html
    assert "alert" not in speaker.bio_html


@pytest.mark.django_db
def test_speaker_save_empty_bio_gives_empty_html():
    speaker = Speaker.objects.create(name="Jane Doe", bio="   \n")

    assert speaker.bio_html == ""


@pytest.mark.django_db
def test_by_normalized_name_finds_speaker_by_alias():
    amber = Speaker.objects.create(name="Amber Brown")
    Speaker.objects.create(name="Amber Green")
    SpeakerAlias.objects.create(speaker=amber, name="HawkOwl")

    found = list(Speaker.objects.by_normalized_name("  hawkowl "))

    assert found == [amber]


@pytest.mark.django_db
def test_by_normalized_name_name_and_alias_match_gives_speaker_once():
    amber = Speaker.objects.create(name="Amber Brown")
    SpeakerAlias.objects.create(speaker=amber, name="Ámber Brown")

    found = list(Speaker.objects.by_normalized_name("AMBER BROWN"))

    assert found == [amber]


@pytest.mark.django_db
def test_speaker_alias_full_clean_duplicate_refused():
    amber = Speaker.objects.create(name="Amber Brown")
    SpeakerAlias.objects.create(speaker=amber, name="HawkOwl")
    duplicate = SpeakerAlias(speaker=amber, name="Hawkówl")

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()

    assert excinfo.value.message_dict["name"] == ["“HawkOwl” is already an alias of Amber Brown."]


@pytest.mark.django_db
def test_speaker_alias_full_clean_itself_accepted():
    alias = SpeakerAlias.objects.create(
        speaker=Speaker.objects.create(name="Amber Brown"), name="HawkOwl"
    )

    alias.full_clean()

    assert alias.normalized_name == "hawkowl"


@pytest.mark.parametrize(("name", "expected"), [("Ámber Brown", "A"), ("42 Things", "#")])
def test_speaker_initial_letter_or_hash(name, expected):
    speaker = Speaker(name=name)

    assert speaker.initial == expected
