"""Thin Celery wrappers: the buyer's email when an invoice (or its red invoice) is issued."""

from celery import shared_task
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from orders.emails import MONEY_TASK


@shared_task(**MONEY_TASK)
def send_invoice_email(invoice_pk: int, red: bool = False) -> bool:
    """Tell the request's email address that a seller issued its invoice (or red invoice), with
    a link to the page it is downloaded from (after signing in: the file is not attached, so an
    address typed wrong leaks nothing but the news)."""
    from .models import Invoice

    invoice = Invoice.objects.select_related("request", "partner").filter(pk=invoice_pk).first()
    if invoice is None or not invoice.request.email:
        return False
    scheme = "http" if settings.DEBUG else "https"
    link = f"{scheme}://{Site.objects.get_current().domain}" + reverse(
        "invoices:request-detail", args=[invoice.request_id]
    )
    context = {"invoice": invoice, "request": invoice.request, "link": link, "red": red}
    subject = render_to_string("invoices/email_issued_subject.txt", context).strip()
    body = render_to_string("invoices/email_issued_body.txt", context)
    send_mail(subject, body, None, [invoice.request.email])
    return True
