"""Uploaded pictures are re-encoded with Pillow (no EXIF, no payload riding along, a bounded
size) and refused with a clear message when they are not pictures or are too big."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 2000
MAX_PIXELS = 40_000_000  # checked from the header, before anything is decoded
FORMATS = ("JPEG", "PNG", "WEBP")


def _check_size(upload, max_bytes, message):
    if upload.size > max_bytes:
        raise ValidationError(
            message % {"size": round(upload.size / 2**20, 1), "max": round(max_bytes / 2**20, 1)}
        )


def reencode_image(upload, *, max_bytes=None):
    max_bytes = max_bytes or settings.UPLOAD_IMAGE_MAX_BYTES
    _check_size(upload, max_bytes, _("The picture is too large (%(size)s MB; at most %(max)s MB)."))
    not_a_picture = _("That file is not a picture (JPEG, PNG or WebP).")
    try:
        upload.seek(0)
        with Image.open(upload, formats=FORMATS) as probe:
            if probe.size[0] * probe.size[1] > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            probe.verify()
        upload.seek(0)
        image = Image.open(upload, formats=FORMATS)
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode JPEGs at a reduced size
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
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
