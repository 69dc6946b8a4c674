"""An organisation buyer's own pages (/organisations/): applying, its home with the year's
reserved share, its members, its orders, its target, its licence. Thin: the rules are in
``services``, who sees what in ``selectors``' querysets (anyone else: 404)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from orders.storage import serve
from sheets.writer import Column, Sheet

from . import selectors, services
from .forms import ApplicationForm, MemberForm, RoleForm, TargetForm
from .models import Member, Organisation


def _errors_into(form, error: ValidationError):
    """A service's refusal shown on the form (on its field when it names one)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class MemberMixin(LoginRequiredMixin):
    """The organisation ``pk`` and the viewer's membership of it; 404 for anyone else.
    ``admin_only`` views 404 for its purchasers too."""

    admin_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.member = selectors.membership(request.user, kwargs["pk"])
        if self.member is None or (self.admin_only and self.member.role != Member.Role.ADMIN):
            raise Http404
        self.organisation = self.member.organisation
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra):
        return {
            "organisation": self.organisation,
            "member": self.member,
            "is_admin": self.member.role == Member.Role.ADMIN,
            **extra,
        }


class MineView(LoginRequiredMixin, View):
    """/organisations/: the organisations I buy for, and my applications with their status."""

    def get(self, request):
        memberships = list(selectors.memberships_of(request.user))
        member_of = {m.organisation_id for m in memberships}
        applications = [o for o in selectors.applications_of(request.user) if o.pk not in member_of]
        return render(
            request,
            "organisations/mine.html",
            {"memberships": memberships, "applications": applications},
        )


class ApplyView(LoginRequiredMixin, View):
    """/organisations/apply/: an organisation applies; ?again=<pk> sends a rejected one again."""

    template_name = "organisations/apply.html"

    def rejected(self, request):
        pk = request.GET.get("again") or request.POST.get("again") or ""
        if not (pk.isascii() and pk.isdigit()):
            return None
        return (
            selectors.applications_of(request.user)
            .filter(pk=int(pk), status=Organisation.Status.REJECTED)
            .first()
        )

    def get(self, request):
        again = self.rejected(request)
        form = ApplicationForm(instance=again, licence_required=again is None)
        return render(request, self.template_name, {"form": form, "again": again})

    def post(self, request):
        again = self.rejected(request)
        # An unbound copy of the instance: the form must not write onto the rejected one.
        form = ApplicationForm(request.POST, request.FILES, licence_required=again is None)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.APPLICATION_FIELDS}
            try:
                organisation = services.apply(
                    user=request.user, licence=form.cleaned_data.get("licence"), **fields
                )
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(
                    request,
                    _("Application for %(name)s sent. Staff will review it.")
                    % {"name": organisation.name},
                )
                return redirect("organisations:mine")
        return render(request, self.template_name, {"form": form, "again": again}, status=200)


class HomeView(MemberMixin, View):
    """/organisations/<pk>/: the organisation, my role, the links; for its administrators the
    year's reserved share (everything the organisation bought: 管理员 see all of the
    organisation, a 采购员 their own orders, through the orders link)."""

    def get(self, request, pk):
        year = timezone.localdate().year
        is_admin = self.member.role == Member.Role.ADMIN
        return render(
            request,
            "organisations/home.html",
            self.context(
                share=selectors.reserved_share(self.organisation, year) if is_admin else None,
                year=year,
                members=self.organisation.members.count(),
            ),
        )


class MembersView(MemberMixin, View):
    """/organisations/<pk>/members/: administrators add members, change roles, remove."""

    admin_only = True

    def render_page(self, request, form, status=200):
        members = list(selectors.members_of(self.organisation))
        return render(
            request,
            "organisations/members.html",
            self.context(
                form=form,
                members=members,
                admins=sum(m.role == Member.Role.ADMIN for m in members),
                roles=Member.Role.choices,
            ),
            status=status,
        )

    def get(self, request, pk):
        return self.render_page(request, MemberForm())

    def post(self, request, pk):
        action = request.POST.get("action", "add")
        if action in ("role", "remove"):
            return self.change(request)
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                member = services.add_member(
                    self.organisation,
                    by=request.user,
                    contact=form.cleaned_data["contact"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s added as %(role)s.")
                    % {"name": display_name(member.user), "role": member.get_role_display()},
                )
                return redirect("organisations:members", pk=self.organisation.pk)
        return self.render_page(request, form)

    def change(self, request):
        pk = request.POST.get("member", "")
        if not (pk.isascii() and pk.isdigit()):
            return redirect("organisations:members", pk=self.organisation.pk)
        member = get_object_or_404(self.organisation.members, pk=int(pk))
        try:
            if request.POST["action"] == "remove":
                services.remove_member(member, by=request.user)
                messages.success(
                    request, _("%(name)s removed.") % {"name": display_name(member.user)}
                )
            else:
                form = RoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a role."))
                member = services.change_role(
                    member, by=request.user, role=form.cleaned_data["role"]
                )
                messages.success(
                    request,
                    _("%(name)s is now %(role)s.")
                    % {"name": display_name(member.user), "role": member.get_role_display()},
                )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        if not selectors.membership(request.user, self.organisation.pk):
            return redirect("organisations:mine")  # an administrator who removed themself
        return redirect("organisations:members", pk=self.organisation.pk)


def display_name(user) -> str:
    return user.get_full_name().strip() or user.email or user.username


class OrdersView(MemberMixin, View):
    """/organisations/<pk>/orders/: all the organisation's orders for its administrators, a
    purchaser's own for a purchaser."""

    def get(self, request, pk):
        orders = selectors.orders_for(self.organisation, self.member).select_related("user")
        # A gift batch's orders (one per recipient) are on its own page, not one by one here.
        single = orders.filter(batch__isnull=True)
        return render(
            request,
            "organisations/orders.html",
            self.context(
                orders=single[:200],
                total=single.count(),
                in_batches=orders.filter(batch__isnull=False).count(),
            ),
        )


class ReservedShareView(MemberMixin, View):
    """/organisations/<pk>/reserved-share/: administrators set this year's target."""

    admin_only = True

    def page(self, request, form):
        year = timezone.localdate().year
        return render(
            request,
            "organisations/reserved_share.html",
            self.context(form=form, year=year),
        )

    def get(self, request, pk):
        target = selectors.target_for(self.organisation, timezone.localdate().year)
        return self.page(request, TargetForm(initial={"target": target}))

    def post(self, request, pk):
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                services.set_target(
                    self.organisation,
                    by=request.user,
                    year=timezone.localdate().year,
                    target=form.cleaned_data["target"],
                )
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("This year's target is saved."))
                return redirect("organisations:detail", pk=self.organisation.pk)
        return self.page(request, form)


class ReservedShareExportView(MemberMixin, View):
    """/organisations/<pk>/reserved-share.xlsx: the year's purchases by month and county
    (administrators: all the organisation's purchases)."""

    admin_only = True

    def get(self, request, pk):
        year = timezone.localdate().year
        sheet = Sheet(
            _("Reserved share %(year)s") % {"year": year},
            [
                Column(_("Month"), "date", number_format="yyyy-mm"),
                _("County"),
                Column(_("Amount"), "money"),
                Column(_("Units"), "count"),
            ],
            scope=self.organisation.name,
            period=(date(year, 1, 1), date(year, 12, 31)),
        )
        sheet.extend(
            [row["period"], row["county"] or "", row["revenue"], row["units"]]
            for row in selectors.reserved_share_rows(self.organisation, year)
        )
        return sheet.as_response("xlsx", f"{self.organisation.name}-{year}-预留份额")


def licence_response(organisation):
    """The licence picture (private storage), not cached by anything shared, not sniffed."""
    return serve(organisation.licence)


class LicenceView(MemberMixin, View):
    """The licence, for the organisation's administrators (staff see it in the dashboard)."""

    admin_only = True

    def get(self, request, pk):
        return licence_response(self.organisation)
