"""The staff's side of product search (staff only: see apps.py): the synonym table, and what
shoppers searched for week by week, with the queries that found nothing one click away from a
synonym. Saving or deleting a synonym rebuilds the search documents (catalog.receivers)."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, ListView, TemplateView, UpdateView
from django.views.generic.base import View
from oscar.core.loading import get_classes, get_model

from catalog.search.log import weekly_report
from sheets.writer import Column, Sheet

from .forms import MAX_LENGTH, clean_word

SynonymForm, SynonymSearchForm = get_classes(
    "dashboard.search.forms", ["SynonymForm", "SynonymSearchForm"]
)
Synonym = get_model("catalogue", "Synonym")

DEFAULT_WEEKS, MAX_WEEKS = 8, 52
QUERIES_PER_LIST = 20


# --- The synonym table ----------------------------------------------------------------------


class SynonymListView(ListView):
    template_name = "oscar/dashboard/search/synonym_list.html"
    context_object_name = "synonyms"
    paginate_by = settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE

    def get_queryset(self):
        self.form = SynonymSearchForm(self.request.GET)
        queryset = Synonym.objects.order_by("means", "term", "pk")
        if self.form.is_valid() and (word := self.form.cleaned_data["q"]):
            queryset = queryset.filter(Q(term__icontains=word) | Q(means__icontains=word))
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["searched"] = self.form.is_valid() and self.form.cleaned_data["q"]
        return ctx


class _SynonymFormMixin:
    model = Synonym
    form_class = SynonymForm
    context_object_name = "synonym"
    template_name = "oscar/dashboard/search/synonym_form.html"
    success_url = reverse_lazy("dashboard:search-synonym-list")
    saved_message = ""

    def form_valid(self, form):
        before = self.object  # None when adding
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except IntegrityError:
            # Another tab saved the same pair between the form's check and this save.
            self.object = before
            form.add_error(
                "term",
                _("“%(term)s → %(means)s” is already in the synonym table.")
                % {"term": form.cleaned_data["term"], "means": form.cleaned_data["means"]},
            )
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message % {"synonym": self.object})
        return response


class SynonymCreateView(_SynonymFormMixin, CreateView):
    saved_message = _("Synonym “%(synonym)s” added.")

    def get_initial(self):
        """``?term=`` from the weekly report's “add synonym” link."""
        initial = super().get_initial()
        term = clean_word(self.request.GET.get("term", ""))
        if term:
            initial["term"] = term
        return initial


class SynonymUpdateView(_SynonymFormMixin, UpdateView):
    saved_message = _("Synonym “%(synonym)s” saved.")


class SynonymDeleteView(DeleteView):
    model = Synonym
    context_object_name = "synonym"
    template_name = "oscar/dashboard/search/synonym_delete.html"
    success_url = reverse_lazy("dashboard:search-synonym-list")

    def form_valid(self, form):
        synonym = str(self.object)
        response = super().form_valid(form)
        messages.success(self.request, _("Synonym “%(synonym)s” deleted.") % {"synonym": synonym})
        return response


# --- What shoppers searched for, week by week -----------------------------------------------


def weeks_asked(value) -> int:
    """The ``weeks`` parameter: 1 to 52, anything else the default 8."""
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WEEKS
    return weeks if 1 <= weeks <= MAX_WEEKS else DEFAULT_WEEKS


def _local_date(moment) -> date:
    return timezone.localtime(moment).date() if isinstance(moment, datetime) else moment


def search_report(weeks: int) -> list[dict]:
    """Each of the last ``weeks`` weeks (Monday to Sunday in the store's time zone, this one
    first), weeks without searches too: its ``start`` and ``end`` days, ``searches``, ``top``
    and ``empty`` (catalog.search.log.weekly_report); a query that found nothing says whether
    the synonym table already has it (``has_synonym``)."""
    this_monday = _local_date(timezone.now())
    this_monday -= timedelta(days=this_monday.weekday())
    # weekly_report reaches back ``weeks`` × 7 days from now, into part of one more week: the
    # report shows whole weeks only.
    found = {
        _local_date(week["week"]): week
        for week in weekly_report(weeks=weeks, limit=QUERIES_PER_LIST)
    }
    report = []
    for back in range(weeks):
        start = this_monday - timedelta(weeks=back)
        week = found.get(start, {"searches": 0, "top": [], "empty": []})
        report.append({**week, "start": start, "end": start + timedelta(days=6)})
    empty_queries = {entry["query"] for week in report for entry in week["empty"]}
    with_synonym = set(
        Synonym.objects.filter(term__in=empty_queries).values_list("term", flat=True)
    )
    for week in report:
        for entry in week["empty"]:
            entry["has_synonym"] = entry["query"] in with_synonym
            # A query longer than a synonym may be is not offered as one.
            entry["can_add"] = len(entry["query"]) <= MAX_LENGTH
    return report


class SearchReportView(TemplateView):
    template_name = "oscar/dashboard/search/report.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["weeks"] = weeks = weeks_asked(self.request.GET.get("weeks"))
        ctx["report"] = search_report(weeks)
        ctx["max_weeks"] = MAX_WEEKS
        return ctx


class SearchReportDownloadView(View):
    """The same report as one XLSX sheet: a row per query of each week's two lists."""

    def get(self, request, *args, **kwargs):
        weeks = weeks_asked(request.GET.get("weeks"))
        report = search_report(weeks)
        sheet = Sheet(
            gettext("Search queries"),
            [
                gettext("Week of"),
                # Each week's count is repeated on its rows: not added up.
                Column(gettext("Searches that week"), "count", total=False),
                gettext("List"),
                gettext("Query"),
                Column(gettext("Times"), "count", total=False),
                Column(gettext("Last searched"), "datetime"),
            ],
            scope=gettext("All shoppers' searches"),
            period=(report[-1]["start"], report[0]["end"]) if report else None,
            totals={1: sum(week["searches"] for week in report)},
        )
        lists = [("top", gettext("Top queries")), ("empty", gettext("Found nothing"))]
        for week in report:
            for key, label in lists:
                for entry in week[key]:
                    sheet.append(
                        [week["start"], week["searches"], label]
                        + [entry["query"], entry["n"], entry["last"]]
                    )
        filename = gettext("search-queries-%(date)s") % {"date": timezone.localdate().isoformat()}
        return sheet.as_response("xlsx", filename)
