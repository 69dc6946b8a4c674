from django.utils.functional import SimpleLazyObject
from oscar.core.loading import get_class, get_model

from .pagecache import version

SearchForm = get_class("search.forms", "SearchForm")
Notification = get_model("communication", "Notification")


def site(request):
    """Site-wide template context: the language switcher needs the current path."""
    return {
        "current_path": request.get_full_path(),
        # for cached fragments of catalogue data (read only when a template uses it)
        "catalogue_version": SimpleLazyObject(version),
    }


# Oscar's two context processors below do their work for every page rendered: a search form
# built, and a COUNT query for signed-in users. The checkout's and the payment page's plain
# header shows neither (nor does a live "buy now", whose answer is the payment page); here each
# is worked out when a template first uses it, and at most once per render.


def search_form(request):
    """Oscar's search form (``oscar.apps.search.context_processors``), made when used."""
    return {"search_form": SimpleLazyObject(lambda: SearchForm(request.GET))}


def notifications(request):
    """Oscar's unread-notification count (``oscar.apps.communication.notifications``), counted
    when used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():  # the query built only when counted (building it is most of its cost)
        return Notification.objects.filter(recipient=user, date_read=None).count()

    return {"num_unread_notifications": SimpleLazyObject(count)}


def nav_roles(request):
    """The header's role links (``shop.roles``): from the cache, looked up when a template uses
    them."""
    from .roles import nav_roles as lookup

    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_roles": SimpleLazyObject(lambda: lookup(user))}
