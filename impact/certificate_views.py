"""消费帮扶证明 pages (/certificates/): thin views over ``impact.certificates``.

- ``mine`` / ``mine-pdf``: a signed-in person's own certificate (``?year=``, this year unless
  told; a year that is not one shows a message and this year).
- ``organisation`` / ``organisation-pdf``: an organisation's, for its administrators (管理员)
  only: the organisation is looked up through the user's own memberships, so anybody else
  (its 采购员 too) gets 404.
- ``verify``: public, no sign-in; a token that is not ours is 404 "无法验证" with no details.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import certificates as certs

APPROVED = "approved"  # organisations.Organisation.Status.APPROVED (impact/ does not import it)
ADMIN = "admin"  # organisations.Member.Role.ADMIN


def _platform() -> str:
    from django.conf import settings

    with translation.override("zh-hans"):
        return str(settings.OSCAR_SHOP_NAME)


def _pdf_response(request, found, *, buyer, filename):
    issued = timezone.localdate()
    token = certs.token(found, issued)
    url = request.build_absolute_uri(reverse("certificates:verify", kwargs={"token": token}))
    pdf = certs.certificate_pdf(
        found, buyer=buyer, verify_url=url, issued=issued, platform=_platform()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _years(subject, year):
    """The picker's years: those with a paid order, this one, and the one shown."""
    return sorted({*certs.years(subject), year}, reverse=True)


def _year_asked(request):
    """The ``?year=`` asked, this year when none; (year, error message or None)."""
    asked = request.GET.get("year")
    if asked in (None, ""):
        return certs.this_year(), None
    year = certs.valid_year(asked)
    if year is None:
        return certs.this_year(), _bad_year()
    return year, None


def _bad_year():
    return _("There is no certificate for that year: choose a year from %(first)s to %(last)s.") % {
        "first": certs.FIRST_YEAR,
        "last": certs.this_year(),
    }


@require_GET
@never_cache
@login_required
def mine(request):
    year, error = _year_asked(request)
    if error:
        messages.error(request, error)
    subject = certs.Subject.person(request.user)
    found = certs.certificate(subject, year)
    return render(
        request,
        "impact/certificate.html",
        {
            "certificate": found,
            "buyer": certs.masked_person(request.user),
            "years": _years(subject, year),
            "year": year,
            "picker_url": reverse("certificates:mine"),
            "pdf_url": f"{reverse('certificates:mine-pdf')}?year={year}",
            "organisation": None,
        },
    )


@require_GET
@never_cache
@login_required
def mine_pdf(request):
    year, error = _year_asked(request)
    if error:
        messages.error(request, error)
        return redirect("certificates:mine")
    found = certs.certificate(certs.Subject.person(request.user), year)
    if found.is_empty:
        messages.info(request, _empty_message(year))
        return redirect(f"{reverse('certificates:mine')}?year={year}")
    return _pdf_response(
        request,
        found,
        buyer=certs.masked_person(request.user),
        filename=f"xiaofei-bangfu-{year}.pdf",
    )


def _membership(request, pk):
    """The signed-in user's administrator membership of the approved organisation ``pk``, or
    404: the certificate states everything the organisation bought, which its 管理员 see and a
    采购员 (who sees their own orders only) does not."""
    membership = (
        request.user.organisation_memberships.filter(
            organisation_id=pk, organisation__status=APPROVED, role=ADMIN
        )
        .select_related("organisation")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def _organisation_year(year):
    if certs.valid_year(year) is None:
        raise Http404
    return year


@require_GET
@never_cache
@login_required
def organisation(request, pk, year):
    membership = _membership(request, pk)
    asked = request.GET.get("year")
    if asked:  # the year picker: on to the year's own address
        chosen = certs.valid_year(asked)
        if chosen is None:
            messages.error(request, _bad_year())
            chosen = certs.this_year()
        return redirect("certificates:organisation", pk=pk, year=chosen)
    year = _organisation_year(year)
    subject = certs.Subject.organisation(pk)
    found = certs.certificate(subject, year)
    return render(
        request,
        "impact/certificate.html",
        {
            "certificate": found,
            "buyer": membership.organisation.name,
            "years": _years(subject, year),
            "year": year,
            "picker_url": reverse("certificates:organisation", kwargs={"pk": pk, "year": year}),
            "pdf_url": reverse("certificates:organisation-pdf", kwargs={"pk": pk, "year": year}),
            "organisation": membership.organisation,
        },
    )


@require_GET
@never_cache
@login_required
def organisation_pdf(request, pk, year):
    membership = _membership(request, pk)
    year = _organisation_year(year)
    found = certs.certificate(certs.Subject.organisation(pk), year)
    if found.is_empty:
        messages.info(request, _empty_message(year))
        return redirect("certificates:organisation", pk=pk, year=year)
    return _pdf_response(
        request,
        found,
        buyer=membership.organisation.name,
        filename=f"xiaofei-bangfu-{year}-org{pk}.pdf",
    )


@require_GET
def verify(request, token):
    try:
        checked = certs.verify(token)
    except certs.Unverifiable:
        return render(request, "impact/certificate_unverifiable.html", status=404)
    response = render(request, "impact/certificate_verify.html", {"checked": checked})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _empty_message(year):
    return _(
        "Nothing was bought in %(year)s (or all of it was refunded): there is no certificate "
        "for that year."
    ) % {"year": year}
