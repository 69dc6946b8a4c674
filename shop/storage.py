"""Static files in production: WhiteNoise's compressed, cache-busted manifest storage, with each
file's URL worked out once per process.

Every ``{% static %}`` in a render asks the storage for the URL: Django's ``HashedFilesMixin``
looks the name up in the manifest, then ``FileSystemStorage.url`` quotes and joins it to
``STATIC_URL`` (``urljoin``, ``urlparse``). The layout has about a dozen, so on the payment page
that answers a live "buy now" they were a fifth of the template's time. The manifest is read
when the storage is made and does not change while a web worker runs (a deploy starts new
workers); ``collectstatic`` rebuilds it, and the remembered URLs are dropped when it does.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names come from templates, a fixed set; the bound keeps memory bounded whatever asks.
MAX_REMEMBERED = 4096


class MemoizedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:  # unhashed in DEBUG, as Django's; never remembered
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            pass
        url = super().url(name)  # a name missing from the manifest raises, and is not remembered
        if len(self._urls) < MAX_REMEMBERED:
            self._urls[name] = url
        return url

    def post_process(self, *args, **kwargs):
        """``collectstatic``: the manifest is rebuilt, so the URLs worked out from it go."""
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
