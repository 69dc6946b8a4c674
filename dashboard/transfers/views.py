"""对公转账 in the dashboard (staff): import a bank statement, settle the lines that need a
person, and see the transfers waiting. The work is ``orders.payments.transfers``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from orders.payments import statements, transfers
from orders.payments.models import StatementImport, StatementLine, TransferInstruction
from sheets.reader import DEFAULT_LIMITS

LineStatus = StatementLine.Status


class StatementForm(forms.Form):
    statement = forms.FileField(
        label=gettext_lazy("Bank statement (CSV or XLSX)"),
        widget=forms.FileInput(attrs={"class": "form-control-file", "accept": ".csv,.xlsx"}),
        help_text=gettext_lazy(
            "Columns: 交易日期, 金额 (or 贷方金额), 付款人名称, 付款人账号, 附言/摘要/用途; "
            "流水号 if the bank gives it."
        ),
    )


class MatchForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Transfer reference"), max_length=40)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=400, required=False)


class SetAsideForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why (e.g. returned to the payer)"), max_length=400, required=True
    )


class TransferListView(View):
    """The lines a person has to settle, the transfers waiting, the recent imports."""

    template_name = "dashboard/transfers/transfer_list.html"

    def get(self, request):
        show = request.GET.get("show", "todo")
        lines = StatementLine.objects.select_related("instruction").order_by("-date", "-pk")
        if show == "all":
            lines = lines[:200]
        else:
            show = "todo"
            lines = lines.filter(status__in=StatementLine.NEEDS_A_PERSON)
        waiting = (
            TransferInstruction.objects.filter(status=TransferInstruction.Status.OPEN)
            .select_related("order", "batch")
            .annotate(received_lines=Count("lines", filter=~Q(lines__status=LineStatus.SET_ASIDE)))
            .order_by("due")[:200]
        )
        return render(
            request,
            self.template_name,
            {
                "show": show,
                "lines": lines,
                "todo_count": StatementLine.objects.filter(
                    status__in=StatementLine.NEEDS_A_PERSON
                ).count(),
                "waiting": waiting,
                "imports": StatementImport.objects.select_related("uploaded_by")[:10],
            },
        )


class StatementImportView(View):
    """Upload a statement: all or nothing; each new line matched, the rest listed."""

    template_name = "dashboard/transfers/statement_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": StatementForm()})

    def post(self, request):
        form = StatementForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        upload = form.cleaned_data["statement"]
        data = upload.read(DEFAULT_LIMITS.max_bytes + 1)
        try:
            parsed = statements.parse_statement(data, upload.name)
        except statements.StatementError as error:
            return render(
                request,
                self.template_name,
                {"form": StatementForm(), "errors": error.errors, "filename": upload.name},
                status=400,
            )
        result = transfers.import_statement(parsed, filename=upload.name, user=request.user)
        counts = result.statuses
        listed = sum(n for status, n in counts.items() if status != LineStatus.MATCHED)
        messages.success(
            request,
            _(
                "%(read)d lines read: %(new)d new, %(seen)d seen before (imported already, "
                "skipped); %(matched)d paid, %(listed)d listed for you to settle."
            )
            % {
                "read": result.read,
                "new": result.new,
                "seen": result.seen,
                "matched": counts.get(LineStatus.MATCHED, 0),
                "listed": listed,
            },
        )
        return redirect("dashboard:transfer-list")


class LineView(View):
    """One statement line: what it is, what it was matched to, the actions and their log."""

    template_name = "dashboard/transfers/line.html"

    def page(self, request, line, *, match_form=None, aside_form=None, status=200):
        candidates = []
        for reference in (line.found_references or "").split():
            instruction = TransferInstruction.objects.filter(reference=reference).first()
            if instruction:
                candidates.append(instruction)
        same_amount = TransferInstruction.objects.filter(
            status=TransferInstruction.Status.OPEN, amount=line.amount
        ).exclude(pk__in=[c.pk for c in candidates])[:10]
        return render(
            request,
            self.template_name,
            {
                "line": line,
                "instruction": line.instruction,
                "received": transfers.received(line.instruction) if line.instruction else None,
                "candidates": candidates,
                "same_amount": same_amount,
                "match_form": match_form
                or MatchForm(
                    initial={
                        "reference": line.instruction.reference
                        if line.instruction
                        else (candidates[0].reference if len(candidates) == 1 else "")
                    }
                ),
                "aside_form": aside_form or SetAsideForm(),
                "actions": line.actions.select_related("user"),
            },
            status=status,
        )

    def get(self, request, pk):
        return self.page(request, get_object_or_404(StatementLine, pk=pk))

    def post(self, request, pk):
        line = get_object_or_404(StatementLine, pk=pk)
        action = request.POST.get("action")
        if action == "match":
            form = MatchForm(request.POST)
            if form.is_valid():
                try:
                    status = transfers.match_by_hand(
                        line,
                        form.cleaned_data["reference"],
                        user=request.user,
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as error:
                    form.add_error("reference", error)
                else:
                    # Nothing paid (an order no longer waiting): a warning; the line stays.
                    say = messages.warning if status == LineStatus.CLOSED else messages.success
                    say(request, _settled_message(status))
                    return redirect("dashboard:transfer-list")
            return self.page(request, line, match_form=form, status=400)
        if action == "set_aside":
            form = SetAsideForm(request.POST)
            if form.is_valid():
                try:
                    transfers.set_aside(line, user=request.user, note=form.cleaned_data["note"])
                except ValidationError as error:
                    form.add_error("note", error)
                else:
                    messages.success(request, _("The line is set aside."))
                    return redirect("dashboard:transfer-list")
            return self.page(request, line, aside_form=form, status=400)
        return self.page(request, line, status=400)


def _settled_message(status):
    if status == LineStatus.MATCHED:
        return _("Matched: the order is paid.")
    if status == LineStatus.SHORT:
        return _("Received in part: the line waits for the rest.")
    return _("The order is no longer waiting for payment; the line stays listed.")
