"""slug_path gives exactly what reverse() gives, without reversing each time."""

import pytest
from django.urls import reverse, set_script_prefix

from confnotes.paths import slug_path

CASES = [
    ("talks:conference_detail", {"conference": "djangocon-us-2019"}),
    ("talks:day_detail", {"conference": "djangocon-us-2019", "day": "day-2"}),
    ("talks:talk_detail", {"conference": "pycon-2010", "talk": "pandas_and-you-2"}),
    ("talks:speaker_detail", {"slug": "ada-lovelace"}),
    ("talks:tag_detail", {"slug": "café-culture"}),
    ("talks:tag_detail", {"slug": "c++ & friends"}),
]


@pytest.mark.parametrize(("name", "slugs"), CASES)
def test_same_path_as_reverse(name, slugs):
    assert slug_path(name, **slugs) == reverse(name, kwargs=slugs)


def test_placeholders_never_leak_and_slugs_do_not_mix():
    path = slug_path("talks:talk_detail", conference="talk", talk="conference")

    assert path == "/talk/talks/conference/"
    assert "__" not in slug_path("talks:day_detail", conference="a", day="b")


def test_follows_the_script_prefix():
    try:
        set_script_prefix("/archive/")
        assert slug_path("talks:speaker_detail", slug="ada") == "/archive/speakers/ada/"
    finally:
        set_script_prefix("/")
    assert slug_path("talks:speaker_detail", slug="ada") == "/speakers/ada/"
