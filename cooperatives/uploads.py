"""Uploaded pictures are re-encoded with Pillow (no EXIF, no payload riding along, a bounded
size) and refused with a clear message when they are not pictures or are too big.

Every picture upload goes through ``reencode_image``: the cooperative profile and certificates
(services), live session covers, and Oscar's dashboard (product images, image attributes,
category images) through ``PictureField``. A picture's pixel count is read from its header and
refused past ``MAX_PIXELS`` before anything is decoded; ``CooperativesConfig.ready`` sets
Pillow's own limit to the same number, so whatever opens a stored picture later (thumbnails)
refuses a bomb too.
"""

import io
import math
import re
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 2000
MAX_PIXELS = 40_000_000  # checked from the header, before anything is decoded
FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow's DecompressionBombError says "Image size (N pixels) exceeds limit of ...".
_BOMB_PIXELS_RE = re.compile(r"\((\d+) pixels\)")


def _check_size(upload, max_bytes, message):
    if upload.size > max_bytes:
        raise ValidationError(
            message % {"size": round(upload.size / 2**20, 1), "max": round(max_bytes / 2**20, 1)}
        )


def too_many_pixels(pixels: int | None = None) -> ValidationError:
    """The refusal of a picture past ``MAX_PIXELS``, naming the limit (and its size if known)."""
    # The unit pixels are counted in is the translation's: Chinese counts in 万 (10,000),
    # English in millions (megapixels).
    unit = int(pgettext("number of pixels in the unit of picture sizes", "1000000"))

    def count(n):  # rounded up, so a picture just past the limit never reads as the limit
        return f"{math.ceil(n * 10 / unit) / 10:g}"

    if pixels is None:
        message = _("The picture has too many pixels (at most %(max)s megapixels).")
    else:
        message = _("The picture has too many pixels (%(pixels)s megapixels; at most %(max)s).")
    return ValidationError(
        message % {"pixels": count(pixels or 0), "max": count(MAX_PIXELS)}, code="too_many_pixels"
    )


def reencode_image(upload, *, max_bytes=None):
    max_bytes = max_bytes or settings.UPLOAD_IMAGE_MAX_BYTES
    _check_size(upload, max_bytes, _("The picture is too large (%(size)s MB; at most %(max)s MB)."))
    not_a_picture = _("That file is not a picture (JPEG, PNG or WebP).")
    try:
        upload.seek(0)
        with Image.open(upload, formats=FORMATS) as probe:  # reads the header only
            if probe.size[0] * probe.size[1] > MAX_PIXELS:
                raise too_many_pixels(probe.size[0] * probe.size[1])
            probe.verify()
        upload.seek(0)
        image = Image.open(upload, formats=FORMATS)
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode JPEGs at a reduced size
        image.load()
    except Image.DecompressionBombError as error:  # Pillow's own check, on the header too
        found = _BOMB_PIXELS_RE.search(str(error))
        raise too_many_pixels(int(found.group(1)) if found else None) from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError(not_a_picture) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keep_alpha = image.mode in ("RGBA", "LA", "P") and image.format == "PNG"
    out = io.BytesIO()
    if keep_alpha:
        image.save(out, format="PNG", optimize=True)
        ext, content_type = "png", "image/png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        ext, content_type = "jpg", "image/jpeg"
    name = f"{uuid.uuid4().hex}.{ext}"  # never the uploader's name or extension
    return InMemoryUploadedFile(out, "image", name, content_type, out.tell(), None)


class PictureField(forms.FileField):
    """A picture upload, re-encoded by ``reencode_image``: use it instead of ``ImageField``
    (which would keep the uploader's bytes, EXIF and name, and decode nothing-checked pixels)."""

    def to_python(self, data):
        upload = super().to_python(data)
        return None if upload is None else reencode_image(upload)


class PicturesInput(forms.FileInput):
    allow_multiple_selected = True


class PicturesField(forms.FileField):
    """Several pictures from one ``<input type=file multiple>``: at most ``max_count``, each
    re-encoded by ``reencode_image``; one too many, or one that is not a picture, refuses the
    whole form with its reason. Subclasses say how many and in which words (``too_many``), and
    may name the file a picture's reason is about (``error_for``)."""

    widget = PicturesInput
    max_count = 6

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def too_many(self, count) -> str:
        return _("At most %(max)d photos.") % {"max": self.max_count}

    def error_for(self, upload, error) -> ValidationError | None:
        """The error to show for ``upload``'s ``error``; None shows it as it is."""
        return None

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        if len(uploads) > self.max_count:
            raise ValidationError(self.too_many(len(uploads)), code="too_many_photos")
        pictures = []
        for upload in uploads:
            try:
                pictures.append(reencode_image(super().clean(upload)))
            except ValidationError as error:
                named = self.error_for(upload, error)
                if named is None:
                    raise
                raise named from error
        return pictures


def check_document(upload, *, max_bytes=None):
    """A certificate: a PDF (checked by its header) or a picture (re-encoded)."""
    max_bytes = max_bytes or settings.UPLOAD_DOCUMENT_MAX_BYTES
    _check_size(upload, max_bytes, _("The file is too large (%(size)s MB; at most %(max)s MB)."))
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if b"<html" in head.lower() or b"<script" in head.lower():
            raise ValidationError(_("That file is not a PDF or a picture."))
        content = upload.read()
        if b"%%EOF" not in content[-2048:]:
            raise ValidationError(_("That file is not a PDF or a picture."))
        from django.core.files.base import ContentFile

        return ContentFile(content, name=f"{uuid.uuid4().hex}.pdf")
    return reencode_image(upload, max_bytes=max_bytes)
