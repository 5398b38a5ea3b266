"""Uploaded images: validated with Pillow, stored resized and without metadata."""

import io
import os
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
PHOTO_MAX_SIDE = 800
THUMBNAIL_SIZE = (160, 160)


def _human_size(num_bytes: int) -> str:
    return filesizeformat(num_bytes).replace("\xa0", " ")


def _count(number: int) -> str:
    """A large number as the interface's language writes it: 40,000,000 / 40.000.000."""
    return number_format(number, force_grouping=True)


def _check_image(fileobj) -> None:
    """Refuse what is not a readable image of an allowed format within the pixel limit.

    Leaves `fileobj` at its start.
    """
    max_pixels = settings.CONFNOTES_MAX_IMAGE_PIXELS
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ValidationError(
                        _(
                            "The image is %(width)s×%(height)s pixels; the limit is %(limit)s pixels."
                        ),
                        code="too_many_pixels",
                        params={"width": width, "height": height, "limit": _count(max_pixels)},
                    )
                if image.format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        # Translators: %(format)s names an image format, such as TIFF or BMP.
                        _("%(format)s images are not accepted; use JPEG, PNG, GIF or WebP."),
                        code="bad_format",
                        params={"format": image.format or "This"},
                    )
                image.verify()
            # verify() does not decode (and checks next to nothing in a JPEG):
            # decoding the first frame, bounded by the pixel limit above, spots
            # truncated or corrupt data here instead of failing later on save.
            fileobj.seek(0)
            with Image.open(fileobj) as image:
                image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has more pixels than the limit of %(limit)s."),
            code="too_many_pixels",
            params={"limit": _count(max_pixels)},
        ) from None
    except Exception:  # Pillow raises many kinds of errors on malformed files.
        raise ValidationError(
            _("The file is not an image Pillow can read (JPEG, PNG, GIF or WebP)."),
            code="not_an_image",
        ) from None
    finally:
        fileobj.seek(0)


def _open_checked(fileobj) -> Image.Image:
    """Open `fileobj` with Pillow, refusing non-images, other formats and bombs."""
    _check_image(fileobj)
    return Image.open(fileobj)


def validate_image_upload(value) -> None:
    """Validator for uploaded image fields: size, pixel count and real format."""
    if getattr(value, "_committed", False):
        return  # Already stored and processed; nothing new was uploaded.
    max_bytes = settings.CONFNOTES_MAX_UPLOAD_BYTES
    if value.size is not None and value.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": _human_size(value.size), "limit": _human_size(max_bytes)},
        )
    _check_image(value.file if hasattr(value, "file") else value)


class UploadedImageField(forms.ImageField):
    """Form field that runs `validate_image_upload` before Django's own Pillow check.

    Django's check answers every refusal with one generic message; this one
    tells the editor what is wrong (too large, too many pixels, not an image).
    """

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "size"):
            validate_image_upload(data)
        return super().to_python(data)


def _jpeg_bytes(image: Image.Image) -> bytes:
    # A fresh RGB image carries no EXIF, GPS, ICC or XMP metadata.
    clean = Image.new("RGB", image.size, (255, 255, 255))
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean.paste(image.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def resized_jpeg_and_thumbnail(fileobj) -> tuple[bytes, bytes]:
    """Return (photo, thumbnail) JPEG bytes: upright, bounded in size, stripped of metadata."""
    with _open_checked(fileobj) as image:
        image.seek(0)  # First frame of animations.
        image = ImageOps.exif_transpose(image)
        photo = image.copy()
        photo.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
        thumb = ImageOps.fit(image, THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        return _jpeg_bytes(photo), _jpeg_bytes(thumb)


def process_photo(speaker) -> None:
    """Replace `speaker.photo`'s fresh upload with its processed copy and make a thumbnail."""
    photo_bytes, thumb_bytes = resized_jpeg_and_thumbnail(speaker.photo.file)
    stem = os.path.splitext(os.path.basename(speaker.photo.name))[0] or "photo"
    speaker.photo.save(f"{stem}.jpg", ContentFile(photo_bytes), save=False)
    speaker.photo_thumbnail.save(f"{stem}.jpg", ContentFile(thumb_bytes), save=False)
