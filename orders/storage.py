"""Private media: files that must never be public (after-sales photos often show a parcel's label:
a name, a phone number, an address). Kept under ``PRIVATE_MEDIA_ROOT``, outside MEDIA_ROOT, so
neither nginx nor whitenoise serves them; each is read through a view that checks the viewer
(``orders.views.AfterSalesPhotoView``)."""

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
