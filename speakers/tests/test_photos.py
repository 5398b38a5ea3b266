import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from speakers.images import validate_image_upload
from speakers.models import Speaker
from speakers.tests.samples import (
    CAMERA_MAKE,
    bomb_png_bytes,
    huge_header_png_bytes,
    jpeg_with_exif_bytes,
    png_bytes,
    upload,
)

ADD_URL = "/admin/speakers/speaker/add/"
NOT_AN_IMAGE = "The file is not an image Pillow can read (JPEG, PNG, GIF or WebP)."


@pytest.fixture(scope="module")
def bomb_png():
    return bomb_png_bytes(12000)


def _stored_image(field_file):
    with field_file.open("rb") as f:
        data = f.read()
    return data, Image.open(io.BytesIO(data))


def _refusal(value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(value)
    return excinfo.value


# validate_image_upload


def test_validate_image_upload_png_accepted():
    photo = upload("photo.png", png_bytes())

    validate_image_upload(photo)

    assert photo.tell() == 0  # Left ready for the next reader.


def test_validate_image_upload_jpeg_with_exif_accepted():
    photo = upload("photo.jpg", jpeg_with_exif_bytes(), "image/jpeg")

    validate_image_upload(photo)

    assert photo.tell() == 0


def test_validate_image_upload_text_file_refused():
    fake = upload("photo.png", b"Not a picture at all, just text.\n")

    error = _refusal(fake)

    assert error.code == "not_an_image"
    assert error.messages == [NOT_AN_IMAGE]


def test_validate_image_upload_truncated_jpeg_refused():
    data = jpeg_with_exif_bytes((400, 300))
    truncated = upload("photo.jpg", data[: len(data) // 2], "image/jpeg")

    error = _refusal(truncated)

    assert error.code == "not_an_image"


def test_validate_image_upload_other_format_refused():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(out, format="BMP")

    error = _refusal(upload("photo.bmp", out.getvalue(), "image/bmp"))

    assert error.code == "bad_format"
    assert error.messages == ["BMP images are not accepted; use JPEG, PNG, GIF or WebP."]


def test_validate_image_upload_over_size_limit_refused(settings):
    settings.CONFNOTES_MAX_UPLOAD_BYTES = 500
    data = png_bytes((300, 200))
    assert len(data) > 500

    error = _refusal(upload("photo.png", data))

    assert error.code == "too_large"
    assert "the limit is 500 bytes" in error.messages[0]


def test_validate_image_upload_over_pixel_limit_refused(settings):
    settings.CONFNOTES_MAX_IMAGE_PIXELS = 10_000

    error = _refusal(upload("photo.png", png_bytes((200, 200))))

    assert error.code == "too_many_pixels"
    assert error.messages == ["The image is 200×200 pixels; the limit is 10,000 pixels."]


def test_validate_image_upload_decompression_bomb_refused(bomb_png):
    assert len(bomb_png) < 100_000  # Tiny on disk, 144 million pixels decoded.

    error = _refusal(upload("photo.png", bomb_png))

    assert error.code == "too_many_pixels"
    assert "more pixels than the limit of 40,000,000" in error.messages[0]


def test_validate_image_upload_huge_declared_size_refused():
    error = _refusal(upload("photo.png", huge_header_png_bytes()))

    assert error.code == "too_many_pixels"
    assert "more pixels than the limit" in error.messages[0]


# Speaker.save() processing


@pytest.mark.django_db
def test_speaker_save_jpeg_with_exif_stored_resized_without_metadata():
    speaker = Speaker(
        name="Jane Doe", photo=upload("IMG_0001.jpg", jpeg_with_exif_bytes(), "image/jpeg")
    )

    speaker.save()

    data, stored = _stored_image(speaker.photo)
    assert speaker.photo.name == "speakers/photos/jane-doe.jpg"
    assert stored.format == "JPEG"
    assert stored.size == (800, 600)
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info
    assert CAMERA_MAKE.encode() not in data


@pytest.mark.django_db
def test_speaker_save_jpeg_with_exif_makes_thumbnail_without_metadata():
    speaker = Speaker(name="Jane Doe", photo=upload("a.jpg", jpeg_with_exif_bytes(), "image/jpeg"))

    speaker.save()

    data, thumb = _stored_image(speaker.photo_thumbnail)
    assert speaker.photo_thumbnail.name == "speakers/thumbnails/jane-doe.jpg"
    assert thumb.format == "JPEG"
    assert thumb.size == (160, 160)
    assert len(thumb.getexif()) == 0
    assert CAMERA_MAKE.encode() not in data


@pytest.mark.django_db
def test_speaker_save_exif_orientation_applied():
    rotated = jpeg_with_exif_bytes((2000, 1500), orientation=6)  # Shown turned 90°.
    speaker = Speaker(name="Jane Doe", photo=upload("a.jpg", rotated, "image/jpeg"))

    speaker.save()

    _, stored = _stored_image(speaker.photo)
    assert stored.size == (600, 800)


@pytest.mark.django_db
def test_speaker_save_png_stored_as_jpeg_with_thumbnail():
    speaker = Speaker(name="Jane Doe", photo=upload("photo.png", png_bytes((300, 200))))

    speaker.save()

    _, stored = _stored_image(speaker.photo)
    _, thumb = _stored_image(speaker.photo_thumbnail)
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (300, 200))
    assert stored.getpixel((10, 100))[0] > 240  # Transparency became white, not black.
    assert thumb.size == (160, 160)


@pytest.mark.django_db
def test_speaker_save_cleared_photo_clears_thumbnail():
    speaker = Speaker.objects.create(name="Jane Doe", photo=upload("photo.png", png_bytes()))
    assert speaker.photo_thumbnail

    speaker.photo = ""
    speaker.save()

    speaker.refresh_from_db()
    assert not speaker.photo
    assert not speaker.photo_thumbnail


@pytest.mark.django_db
def test_speaker_save_without_new_upload_keeps_files():
    speaker = Speaker.objects.create(name="Jane Doe", photo=upload("photo.png", png_bytes()))
    photo_name, thumb_name = speaker.photo.name, speaker.photo_thumbnail.name

    speaker.bio = "Now with a bio."
    speaker.save()

    speaker.refresh_from_db()
    assert (speaker.photo.name, speaker.photo_thumbnail.name) == (photo_name, thumb_name)


# Uploads through the admin


def _add_form_data(client, **fields):
    """The add form's fields, with every inline's management form, as a browser sends them."""
    response = client.get(ADD_URL)
    data = dict.fromkeys(
        ["name", "slug", "bio", "website", "github", "mastodon", "bluesky", "twitter"], ""
    )
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data.update(fields)
    return data


@pytest.mark.django_db
def test_admin_add_valid_photo_creates_speaker_with_thumbnail(admin_client):
    data = _add_form_data(
        admin_client,
        name="Jane Doe",
        slug="jane-doe",
        photo=upload("IMG_0001.jpg", jpeg_with_exif_bytes(), "image/jpeg"),
    )

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    speaker = Speaker.objects.get()
    assert speaker.name == "Jane Doe"
    _, stored = _stored_image(speaker.photo)
    _, thumb = _stored_image(speaker.photo_thumbnail)
    assert max(stored.size) == 800
    assert len(stored.getexif()) == 0
    assert thumb.size == (160, 160)


def _post_refused(client, photo):
    response = client.post(ADD_URL, _add_form_data(client, name="Jane Doe", photo=photo))
    assert response.status_code == 200
    assert not Speaker.objects.exists()
    return response.content.decode()


@pytest.mark.django_db
def test_admin_add_text_file_named_png_refused(admin_client):
    page = _post_refused(admin_client, upload("photo.png", b"Just text.\n"))

    assert NOT_AN_IMAGE in page


@pytest.mark.django_db
def test_admin_add_over_size_limit_refused(admin_client, settings):
    settings.CONFNOTES_MAX_UPLOAD_BYTES = 500

    page = _post_refused(admin_client, upload("photo.png", png_bytes((300, 200))))

    assert "the limit is 500 bytes." in page


@pytest.mark.django_db
def test_admin_add_over_pixel_limit_refused(admin_client, settings):
    settings.CONFNOTES_MAX_IMAGE_PIXELS = 10_000

    page = _post_refused(admin_client, upload("photo.png", png_bytes((200, 200))))

    assert "The image is 200×200 pixels; the limit is 10,000 pixels." in page


@pytest.mark.django_db
def test_admin_add_decompression_bomb_refused(admin_client, bomb_png):
    page = _post_refused(admin_client, upload("photo.png", bomb_png))

    assert "The image has more pixels than the limit of 40,000,000." in page
