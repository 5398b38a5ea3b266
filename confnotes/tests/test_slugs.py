import pytest
from django.core.exceptions import ValidationError

from confnotes.slugs import (
    RESERVED_ROOT_SLUGS,
    unique_slug,
    validate_day_slug,
    validate_root_slug,
)
from speakers.models import Speaker


def _taken(*slugs):
    for slug in slugs:
        Speaker.objects.create(name=slug, slug=slug)
    return Speaker.objects.all()


@pytest.mark.django_db
def test_unique_slug_free_name_used_as_is():
    slug = unique_slug("Jane Doe", Speaker.objects.all())

    assert slug == "jane-doe"


@pytest.mark.django_db
def test_unique_slug_taken_gets_next_number():
    queryset = _taken("jane-doe", "jane-doe-2", "jane-doe-smith")

    slug = unique_slug("Jane Doe", queryset)

    assert slug == "jane-doe-3"


@pytest.mark.django_db
def test_unique_slug_reserved_name_skipped():
    slug = unique_slug("Admin", Speaker.objects.all(), reserved=RESERVED_ROOT_SLUGS)

    assert slug == "admin-2"


@pytest.mark.django_db
def test_unique_slug_reserved_and_taken_skipped():
    queryset = _taken("speakers-2")

    slug = unique_slug("Speakers", queryset, reserved=RESERVED_ROOT_SLUGS)

    assert slug == "speakers-3"


@pytest.mark.django_db
def test_unique_slug_accents_transliterated():
    slug = unique_slug("Ámber Brøwn – Café", Speaker.objects.all())

    assert slug == "amber-brown-cafe"


@pytest.mark.django_db
def test_unique_slug_no_letters_falls_back_to_item():
    slug = unique_slug("!!!", Speaker.objects.all())

    assert slug == "item"


@pytest.mark.django_db
def test_unique_slug_long_text_fits_with_number():
    queryset = _taken("a" * 44)

    slug = unique_slug("a" * 300, queryset, max_length=50)

    assert slug == "a" * 44 + "-2"
    assert len(slug) <= 50


@pytest.mark.django_db
def test_unique_slug_truncation_does_not_end_with_hyphen():
    slug = unique_slug("abc " * 20, Speaker.objects.all(), max_length=18)

    assert slug == "abc-abc-abc"


@pytest.mark.parametrize("slug", ["admin", "speakers", "static", "media", "tags"])
def test_validate_root_slug_reserved_refused(slug):
    with pytest.raises(ValidationError) as excinfo:
        validate_root_slug(slug)

    assert excinfo.value.messages == [f"“{slug}” is reserved by the site; choose another slug."]


@pytest.mark.parametrize("slug", ["pycon-2026", "djangocon-eu", "admins"])
def test_validate_root_slug_other_accepted(slug):
    result = validate_root_slug(slug)

    assert result is None


def test_validate_day_slug_reserved_refused():
    with pytest.raises(ValidationError):
        validate_day_slug("talks")


def test_validate_day_slug_other_accepted():
    assert validate_day_slug("monday") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Łukasz Langa", "lukasz-langa"),
        ("Иван Петров", "ivan-petrov"),
        ("Zoë O'Brien", "zoe-obrien"),
    ],
)
def test_unique_slug_transliterates_names_beyond_latin(name, expected):
    assert unique_slug(name, Speaker.objects.all()) == expected


@pytest.mark.django_db
def test_names_with_no_latin_letters_get_distinct_readable_slugs():
    first = unique_slug("Иван Петров", Speaker.objects.all())
    second = unique_slug("Мария Иванова", _taken(first))

    assert (first, second) == ("ivan-petrov", "mariya-ivanova")
