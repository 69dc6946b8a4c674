"""The after-sales queue (售后): a cooperative manager's cases (``AfterSalesRequest.objects
.for_manager``), each a card with its items, photos, timeline and actions: agree or refuse (with a
reason) within ``AFTER_SALES_DECISION_HOURS``, confirm a return's parcel arrived. Past the
deadline a case is staff's (``orders.aftersales.escalate_overdue``); staff see every open case,
oldest first, with its age, and decide any. An agreed refund, or a received return, is refunded at
once through payments (``orders.payments.aftersales.refund_case``): not in the request's
transaction, as every Stripe call."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from oscar.core.loading import get_model

from orders import aftersales
from orders.payments.aftersales import refund_case

AfterSalesRequest = get_model("order", "AfterSalesRequest")
AfterSalesEvent = get_model("order", "AfterSalesEvent")
Status = AfterSalesRequest.Status


# --- Reads ----------------------------------------------------------------------------------------


def cases_for(user, *, show="open", order=None):
    """The cases ``user`` works on: open ones oldest first (what waits longest comes first), or
    closed ones newest first; with ``order``, that order's (every status, newest first)."""
    cases = AfterSalesRequest.objects.for_manager(user).select_related(
        "order", "partner__cooperative__county", "decided_by"
    )
    if order is not None:
        cases = cases.filter(order=order).order_by("-created", "-pk")
    elif show == "closed":
        cases = cases.exclude(status__in=AfterSalesRequest.OPEN).order_by("-created", "-pk")
    else:
        cases = cases.open().order_by("created", "pk")
    return cases.prefetch_related(
        "lines__line",
        "photos",
        Prefetch("events", queryset=AfterSalesEvent.objects.select_related("request")),
    )


def card(case, user, now, partner_ids=None):
    """One case as the queue shows it: its age, deadline and what ``user`` may do now.
    ``partner_ids``: the user's cooperatives (``aftersales.managed_partner_ids``), read once for
    a whole list."""
    if partner_ids is None:
        partner_ids = aftersales.managed_partner_ids(user)
    is_open = case.status in AfterSalesRequest.OPEN
    age = now - case.created
    hours = int(age.total_seconds() // 3600)
    # A closed case shows how long it took (to its last step), not a wait that has ended.
    closed_at = None if is_open else max((e.created for e in case.events.all()), default=None)
    took = int((closed_at - case.created).total_seconds() // 3600) if closed_at else None
    may_decide = aftersales.can_decide(case, user, partner_ids)
    manages = user.is_staff or case.partner_id in partner_ids
    return {
        "case": case,
        "age_days": hours // 24,
        "age_hours": hours % 24,
        "is_open": is_open,
        "took_days": None if took is None else took // 24,
        "took_hours": None if took is None else took % 24,
        "overdue": case.status == Status.PENDING and now > case.deadline,
        "can_decide": case.status == Status.PENDING and may_decide,
        "return_address": aftersales.default_return_address(case)
        if case.kind == AfterSalesRequest.Kind.RETURN and case.status == Status.PENDING
        else "",
        "can_receive": case.status == Status.RETURN_SHIPPED and manages,
        "can_refund": case.status == Status.REFUNDING and manages,
        "timeline": [
            {"when": e.created, "title": aftersales.event_title(e), "note": e.note, "kind": e.kind}
            for e in case.events.all()
        ],
    }


def cards_for(user, **kwargs):
    now = timezone.now()
    partner_ids = aftersales.managed_partner_ids(user)
    return [card(case, user, now, partner_ids) for case in cases_for(user, **kwargs)]


# --- Views ----------------------------------------------------------------------------------------


class AfterSalesQueueView(View):
    template_name = "oscar/dashboard/orders/after_sales_queue.html"

    def get(self, request):
        show = "closed" if request.GET.get("show") == "closed" else "open"
        cards = cards_for(request.user, show=show)
        return render(
            request,
            self.template_name,
            {
                "cards": cards,
                "show": show,
                "open_count": AfterSalesRequest.objects.for_manager(request.user).open().count(),
                "hours": settings.AFTER_SALES_DECISION_HOURS,
                "next": request.get_full_path(),
            },
        )


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class AfterSalesActionView(View):
    """POST ``action``: agree (``return_address`` for a return), refuse (``reason``), receive
    (a return's parcel arrived), refund (again, after a failed refund). Any case the user may not
    see is 404; one they may see but not decide now is refused with the reason."""

    def post(self, request, pk):
        case = get_object_or_404(AfterSalesRequest.objects.for_manager(request.user), pk=pk)
        back = self._back(request)
        action = request.POST.get("action")
        try:
            if action == "agree":
                case = aftersales.agree(
                    case, user=request.user, return_address=request.POST.get("return_address")
                )
                if case.status == Status.REFUNDING:
                    refund = refund_case(case, user=request.user)
                    messages.success(
                        request,
                        _("Agreed and refunded ¥%(amount)s.") % {"amount": refund.amount},
                    )
                else:
                    messages.success(request, _("Agreed; the buyer sends the parcel back."))
            elif action == "refuse":
                aftersales.refuse(case, user=request.user, reason=request.POST.get("reason", ""))
                messages.info(request, _("Refused; the buyer is told why."))
            elif action == "receive":
                case = aftersales.receive(case, user=request.user)
                refund = refund_case(case, user=request.user)
                messages.success(
                    request, _("Parcel received; refunded ¥%(amount)s.") % {"amount": refund.amount}
                )
            elif action == "refund":
                refund = refund_case(case, user=request.user)
                messages.success(request, _("Refunded ¥%(amount)s.") % {"amount": refund.amount})
            else:
                messages.error(request, _("Choose what to do with this request."))
        except aftersales.AfterSalesRefused as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(back)

    def _back(self, request):
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("dashboard:order-after-sales")
