"""The dashboard's home: staff get Oscar's; a cooperative manager lands on their sales."""

from django.shortcuts import redirect
from oscar.apps.dashboard import views

PopUpWindowMixin = getattr(views, "PopUpWindowMixin", None)
PopUpObjectCreateMixin = getattr(views, "PopUpObjectCreateMixin", None)
LoginView = views.LoginView


class IndexView(views.IndexView):
    def get(self, request, *args, **kwargs):
        if not request.user.is_staff:
            return redirect("dashboard:cooperative-sales")
        return super().get(request, *args, **kwargs)
