from django.utils.functional import SimpleLazyObject

from .pagecache import version


def site(request):
    """Site-wide template context: the language switcher needs the current path."""
    return {
        "current_path": request.get_full_path(),
        # for cached fragments of catalogue data (read only when a template uses it)
        "catalogue_version": SimpleLazyObject(version),
    }
