import pytest

from speakers.models import Speaker, SpeakerAlias

CHANGELIST_URL = "/admin/speakers/speaker/"
# Session, user, filtered count, full count, the page of speakers: never one per row.
CHANGELIST_QUERIES = 5


def _speakers_with_thumbnails(count):
    return [
        Speaker.objects.create(
            name=f"Speaker {n}",
            photo=f"speakers/photos/speaker-{n}.jpg",
            photo_thumbnail=f"speakers/thumbnails/speaker-{n}.jpg",
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_speaker_changelist_admin_shows_names_and_websites(admin_client):
    Speaker.objects.create(name="Amber Brown", website="https://amber.example/")
    Speaker.objects.create(name="Jane Doe")

    response = admin_client.get(CHANGELIST_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert ">Amber Brown</a>" in page
    assert ">Jane Doe</a>" in page
    assert "https://amber.example/" in page
    assert page.index("Amber Brown") < page.index("Jane Doe")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_speaker_changelist_queries_constant(admin_client, django_assert_num_queries, count):
    _speakers_with_thumbnails(count)

    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client.get(CHANGELIST_URL)

    page = response.content.decode()
    for n in range(count):
        assert f'<img src="/media/speakers/thumbnails/speaker-{n}.jpg"' in page


@pytest.mark.django_db
def test_admin_non_staff_user_redirected_to_login(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="a-long-password-1")
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


@pytest.mark.django_db
def test_admin_non_staff_user_redirected_from_speaker_changelist(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))

    response = client.get(CHANGELIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_speaker_changelist_search_alias_finds_speaker(admin_client):
    amber = Speaker.objects.create(name="Amber Brown")
    SpeakerAlias.objects.create(speaker=amber, name="HawkOwl")
    Speaker.objects.create(name="Jane Doe")

    response = admin_client.get(CHANGELIST_URL, {"q": "hawkowl"})

    assert list(response.context["cl"].result_list) == [amber]
    page = response.content.decode()
    assert ">Amber Brown</a>" in page
    assert "Jane Doe" not in page


@pytest.mark.django_db
def test_speaker_change_page_shows_rendered_bio_and_photo(admin_client):
    speaker = Speaker.objects.create(
        name="Jane Doe",
        bio="**Core dev** of [Django](https://djangoproject.com)\n\n<script>alert(1)</script>",
        photo="speakers/photos/jane-doe.jpg",
    )

    response = admin_client.get(f"/admin/speakers/speaker/{speaker.pk}/change/")

    page = response.content.decode()
    assert '<div class="speaker-bio-preview"><p><strong>Core dev</strong> of <a href=' in page
    assert "<script>alert(1)</script>" not in page
    assert '<img src="/media/speakers/photos/jane-doe.jpg" alt="Photo of Jane Doe"' in page


@pytest.mark.django_db
def test_speaker_change_page_escapes_name_in_photo_preview(admin_client):
    speaker = Speaker.objects.create(
        name='Jane "><script>x</script>', photo="speakers/photos/jane.jpg"
    )

    response = admin_client.get(f"/admin/speakers/speaker/{speaker.pk}/change/")

    page = response.content.decode()
    assert 'alt="Photo of Jane &quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "<script>x</script>" not in page


def _change_form_data(speaker, aliases):
    data = {"name": speaker.name, "slug": speaker.slug, "bio": speaker.bio}
    data |= dict.fromkeys(["website", "github", "mastodon", "bluesky", "twitter"], "")
    data |= {
        "aliases-TOTAL_FORMS": str(len(aliases)),
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for n, alias in enumerate(aliases):
        data[f"aliases-{n}-name"] = alias
        data[f"aliases-{n}-speaker"] = str(speaker.pk)
    return data


@pytest.mark.django_db
def test_speaker_change_alias_saved(admin_client):
    speaker = Speaker.objects.create(name="Amber Brown")

    response = admin_client.post(
        f"/admin/speakers/speaker/{speaker.pk}/change/", _change_form_data(speaker, ["HawkOwl"])
    )

    assert response.status_code == 302
    assert list(speaker.aliases.values_list("normalized_name", flat=True)) == ["hawkowl"]


@pytest.mark.django_db
def test_speaker_change_alias_of_another_speaker_refused(admin_client):
    other = Speaker.objects.create(name="Jane Doe")
    SpeakerAlias.objects.create(speaker=other, name="HawkOwl")
    speaker = Speaker.objects.create(name="Amber Brown")

    response = admin_client.post(
        f"/admin/speakers/speaker/{speaker.pk}/change/", _change_form_data(speaker, ["Hawkowl"])
    )

    assert response.status_code == 200
    assert "“HawkOwl” is already an alias of Jane Doe." in response.content.decode()
    assert not speaker.aliases.exists()


@pytest.mark.django_db
def test_speaker_change_two_equal_aliases_refused(admin_client):
    speaker = Speaker.objects.create(name="Amber Brown")

    response = admin_client.post(
        f"/admin/speakers/speaker/{speaker.pk}/change/",
        _change_form_data(speaker, ["HawkOwl", "HAWKÓWL"]),
    )

    assert response.status_code == 200
    assert "are the same alias." in response.content.decode()
    assert not speaker.aliases.exists()
