"""Livestream pages (thin): the public list and session page, buy now, reminders, host tools."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_class, get_model

from orders.checkout import express
from orders.checkout.views import TOKEN_FIELD, parse_token
from orders.payments.views import pay_page

from . import selectors, services
from .forms import AddItemForm, ItemForm, SessionForm
from .models import LiveSession, Reminder, SessionProduct

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")


class LiveListView(TemplateView):
    template_name = "livestream/list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **selectors.session_lists()}


class LiveDetailView(View):
    """The live room: player, the pinned product on top, the rail; the replay after the show.

    The page is the same for every viewer in a language: anonymous viewers and signed-in ones
    (whose own parts, the account menu, basket, host links and reminder, are ``{% personal %}``)
    are served it from the page cache, which calls ``page_cache_hit`` instead of ``get``."""

    @staticmethod
    def page_cache_hit(request, pk):
        services.remember_session(request, pk)  # adds from here are attributed

    def get(self, request, pk):
        session = get_object_or_404(selectors.public_sessions(), pk=pk)
        services.remember_session(request, session.pk)  # adds from here are attributed
        items = selectors.items_with_prices(session)
        pinned = session.pinned()
        return render(
            request,
            "livestream/detail.html",
            {
                "live_session": session,
                "items": items,
                "pinned": next((i for i in items if pinned and i.pk == pinned.pk), None),
                "chapters": selectors.chapters(session)
                if session.status == LiveSession.Status.ENDED
                else [],
            },
        )


def state(request, pk):
    session = get_object_or_404(selectors.public_sessions(), pk=pk)
    return JsonResponse(selectors.item_state(session))


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class BuyNowView(View):
    """One product, straight to payment.

    A signed-in buyer with a saved address gets the order placed and the payment form in this one
    request (``orders.checkout.express``), from a basket of its own: their basket is left as it
    is. The form's ``submission_token`` (set by live.js) makes a double tap land on the same
    order. Anyone else gets just this product in their basket (a signed-in buyer's other lines
    move to "saved for later"; a guest's stay) and goes on to the checkout.
    """

    def post(self, request, pk, item_pk):
        item = get_object_or_404(
            SessionProduct.objects.select_related(
                "product__product_class", "session__offer", "session__cooperative"
            ).prefetch_related(  # the strategy's stock record, with the partner the line names
                Prefetch("product__stockrecords", StockRecord.objects.select_related("partner"))
            ),
            selectors.is_public(),  # a join, not a subquery of public_sessions()
            pk=item_pk,
            session_id=pk,
        )
        session = item.session
        if session.status in (LiveSession.Status.ENDED, LiveSession.Status.CANCELLED):
            messages.error(request, _("This session has ended."))
            return redirect("livestream:detail", pk=session.pk)
        address = express.saved_address(request.user)
        if address is None:
            return self._to_checkout(request, session, item)
        token = parse_token(request.POST.get(TOKEN_FIELD))
        placed_now = False
        try:
            with transaction.atomic():
                order = services.place_buy_now(request, session, item, address, token)
            placed_now = True
        except UnableToPlaceOrder as error:
            # The other tap of a double tap may have taken the last unit (or seen the session
            # end) for this very tap's order: the buyer sees this answer, so it is that order.
            order = self._placed(request, token, attempts=1) if token else None
            if order is None:
                messages.error(request, str(error))
                return redirect("livestream:detail", pk=session.pk)
        except IntegrityError:
            # This tap's token is already an order (a double tap, or the POST sent again): that
            # order, once the other tap's transaction has committed.
            order = self._placed(request, token) if token else None
            if order is None:
                raise
        # the PaymentIntent is made here, after commit
        return pay_page(request, order, placed_now=placed_now)

    def _placed(self, request, token, attempts=20):
        for attempt in range(attempts):  # the unique index made us wait for its commit already
            if attempt:
                time.sleep(0.1)
            order = Order.objects.filter(submission_token=token, user=request.user).first()
            if order is not None:
                return order
        return None

    def _to_checkout(self, request, session, item):
        basket = request.basket
        if not basket.id:
            basket.save()
        if request.user.is_authenticated:
            others = basket.lines.exclude(product=item.product)
            if others.exists():
                saved, _created = Basket.saved.get_or_create(owner=request.user)
                for line in others:
                    saved.merge_line(line)
                messages.info(request, _("Your other basket items were saved for later."))
        availability = basket.strategy.fetch_for_product(item.product).availability
        allowed, reason = availability.is_purchase_permitted(1)
        if not allowed:
            messages.error(request, reason)
            return redirect("livestream:detail", pk=session.pk)
        basket.lines.filter(product=item.product).delete()
        basket.reset_offer_applications()
        basket.add_product(item.product, 1)
        services.remember_session(request, session.pk)
        services.attribute_basket_line(request, item.product)
        return HttpResponseRedirect(reverse("checkout:index"))


class RemindView(LoginRequiredMixin, View):
    def post(self, request, pk):
        session = get_object_or_404(
            selectors.public_sessions().filter(status=LiveSession.Status.SCHEDULED), pk=pk
        )
        Reminder.objects.get_or_create(session=session, user=request.user)
        messages.success(request, _("We will email you when this session goes live."))
        return redirect("livestream:detail", pk=session.pk)


# --- Host tools ------------------------------------------------------------------------------


class HostMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.is_host(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_session(self, pk):
        """Only the user's own sessions (staff: all); another host's is 404."""
        return get_object_or_404(selectors.sessions_for_host(self.request.user), pk=pk)


class HostSessionListView(HostMixin, TemplateView):
    template_name = "livestream/host/list.html"

    def get_context_data(self, **kwargs):
        sessions = selectors.sessions_for_host(self.request.user).order_by("-scheduled_start")
        return {**super().get_context_data(**kwargs), "sessions": sessions}


class HostSessionFormView(HostMixin, View):
    template_name = "livestream/host/form.html"

    def get(self, request, pk=None):
        session = self.get_session(pk) if pk else None
        return render(
            request,
            self.template_name,
            {"form": SessionForm(instance=session, user=request.user), "live_session": session},
        )

    def post(self, request, pk=None):
        session = self.get_session(pk) if pk else LiveSession(host=request.user)
        form = SessionForm(request.POST, request.FILES, instance=session, user=request.user)
        if form.is_valid():
            try:
                session = services.save_session(form.save(commit=False), user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Session saved."))
                return redirect("livestream:host-session", pk=session.pk)
        return render(
            request, self.template_name, {"form": form, "live_session": session if pk else None}
        )


class HostSessionView(HostMixin, View):
    """The host's control room: products (price, quota, order), go live, pin, end."""

    def get(self, request, pk):
        session = self.get_session(pk)
        items = selectors.items_with_prices(session)
        sold = selectors.units_sold(session)  # 已售, as the stats' 件数
        for item in items:
            item.form = ItemForm(instance=item, prefix=f"item{item.pk}")
            item.units_sold = sold.get(item.product_id, 0)
        pinned = session.pinned()
        return render(
            request,
            "livestream/host/session.html",
            {
                "live_session": session,
                "items": items,
                "pinned_id": pinned.pk if pinned else None,
                "add_form": AddItemForm(
                    products=services.products_for_session(session).exclude(
                        live_items__session=session
                    )
                ),
            },
        )

    def post(self, request, pk):
        session = self.get_session(pk)
        action = request.POST.get("action", "")
        try:
            self.act(request, session, action)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("livestream:host-session", pk=session.pk)

    def act(self, request, session, action):
        if action == "go_live":
            services.go_live(session)
            messages.success(request, _("You are live."))
        elif action == "end":
            services.end_session(session)
            messages.success(request, _("Session ended."))
        elif action == "cancel":
            services.cancel_session(session)
        elif action == "add":
            form = AddItemForm(request.POST, products=services.products_for_session(session))
            if not form.is_valid():
                raise ValidationError(_("Choose one of this cooperative's products."))
            services.add_item(session, form.cleaned_data["product"])
        elif action in ("pin", "up", "down", "remove", "save"):
            item_pk = request.POST.get("item", "")
            if not (item_pk.isascii() and item_pk.isdigit()):
                raise ValidationError(_("Unknown action."))
            item = get_object_or_404(SessionProduct, session=session, pk=int(item_pk))
            if action == "pin":
                services.pin(item)
            elif action in ("up", "down"):
                services.move_item(item, -1 if action == "up" else 1)
            elif action == "remove":
                services.remove_item(item)
            else:
                form = ItemForm(request.POST, instance=item, prefix=f"item{item.pk}")
                if not form.is_valid():
                    raise ValidationError([e for errors in form.errors.values() for e in errors])
                data = form.cleaned_data
                services.update_item(
                    SessionProduct.objects.get(pk=item.pk),
                    live_price=data["live_price"],
                    quota=data["quota"],
                    per_customer_limit=data["per_customer_limit"],
                )
                messages.success(request, _("Saved."))
        else:
            raise ValidationError(_("Unknown action."))


class StatsView(HostMixin, View):
    def get(self, request, pk):
        session = self.get_session(pk)
        return render(
            request,
            "livestream/host/stats.html",
            {
                "live_session": session,
                "stats": selectors.session_stats(session),
                "poll_seconds": settings.LIVESTREAM_STATS_POLL_SECONDS,
            },
        )


class StatsJsonView(HostMixin, View):
    def get(self, request, pk):
        try:
            session = self.get_session(pk)
        except Http404:
            return JsonResponse({"error": "not found"}, status=404)
        return JsonResponse(selectors.session_stats(session))
