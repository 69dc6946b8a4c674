"""Uploaded pictures are re-encoded with Pillow (no EXIF, no payload riding along, a bounded
size) and refused with a clear message when they are not pictures or are too big."""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 2000


def reencode_image(upload, *, max_bytes=None):
    max_bytes = max_bytes or settings.UPLOAD_IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The picture is too large (%(size)s MB; at most %(max)s MB).")
            % {"size": round(upload.size / 2**20, 1), "max": round(max_bytes / 2**20, 1)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError(_("That file is not a picture (JPEG, PNG or WebP).")) from error
    if image.format not in ("JPEG", "PNG", "WEBP"):
        raise ValidationError(_("That file is not a picture (JPEG, PNG or WebP)."))
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keep_alpha = image.mode in ("RGBA", "LA", "P") and image.format == "PNG"
    out = io.BytesIO()
    if keep_alpha:
        image.save(out, format="PNG", optimize=True)
        ext, content_type = "png", "image/png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        ext, content_type = "jpg", "image/jpeg"
    name = f"{Path(upload.name).stem[:60] or 'photo'}.{ext}"
    return InMemoryUploadedFile(out, "image", name, content_type, out.tell(), None)


def check_document(upload, *, max_bytes=None):
    """A certificate: a PDF (checked by its header) or a picture (re-encoded)."""
    max_bytes = max_bytes or settings.UPLOAD_DOCUMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB; at most %(max)s MB).")
            % {"size": round(upload.size / 2**20, 1), "max": round(max_bytes / 2**20, 1)}
        )
    upload.seek(0)
    if upload.read(5) == b"%PDF-":
        upload.seek(0)
        return upload
    upload.seek(0)
    return reencode_image(upload, max_bytes=max_bytes)
