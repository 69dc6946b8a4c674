"""Private media: files that must never be public (after-sales photos often show a parcel's label:
a name, a phone number, an address). Kept under ``PRIVATE_MEDIA_ROOT``, outside MEDIA_ROOT, so
neither nginx nor whitenoise serves them; each is read through a view that checks the viewer
(``orders.views.AfterSalesPhotoView``), answered by ``serve``."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateMediaStorage(FileSystemStorage):
    """A ``FileSystemStorage`` under ``settings.PRIVATE_MEDIA_ROOT`` (read on every use, so tests
    can point it elsewhere), with no URL: links go to the checking view, never to the file."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; link to the view that serves them.")


_private = PrivateMediaStorage()


def private_media_storage():
    """The field's ``storage`` (a callable, so migrations do not freeze a path)."""
    return _private


def serve(fieldfile, *, filename=None, attachment=False, content_type=None, no_store=False):
    """The one response for a private file (a ``FieldFile`` in ``private_media_storage``), after
    the caller's permission check: 404 when there is none or it is missing; never cached by
    anything shared (``Cache-Control: private``: an hour in the viewer's browser, or
    ``no-store``) and never sniffed (``nosniff``: served only as ``content_type``, guessed from
    the name unless given). ``attachment``: a download named ``filename``."""
    import mimetypes

    from django.http import FileResponse, Http404

    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = (
        content_type
        or mimetypes.guess_type(filename or fieldfile.name)[0]
        or "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=attachment, filename=filename or "", content_type=content_type
    )
    response["Cache-Control"] = "private, no-store" if no_store else "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
