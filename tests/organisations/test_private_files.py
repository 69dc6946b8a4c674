"""Review H8 finding 13: one private-file response (``orders.storage.serve``) for the after-sales
photos, the organisations' licences and the invoices' files: 404 when missing, never cached by
anything shared, never sniffed."""

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from orders.storage import private_media_storage, serve
from organisations.models import Organisation
from organisations.views import licence_response

from .batch_factories import approved_organisation

pytestmark = pytest.mark.django_db


def test_serve_answers_a_private_file_with_the_same_headers():
    organisation = approved_organisation()
    organisation.licence.save("l.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 32), save=True)
    response = serve(organisation.licence)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # the licence view's answer is the same
    same = licence_response(organisation)
    assert (same["Cache-Control"], same["X-Content-Type-Options"]) == (
        "private, max-age=3600", "nosniff",
    )  # fmt: skip


def test_serve_a_download_not_stored_anywhere():
    name = private_media_storage().save("invoices/x.pdf", ContentFile(b"%PDF-1.4"))
    organisation = approved_organisation()
    Organisation.objects.filter(pk=organisation.pk).update(licence=name)
    organisation.refresh_from_db()
    response = serve(organisation.licence, filename="发票-1.pdf", attachment=True, no_store=True)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_serve_is_404_for_no_file_or_a_missing_one():
    organisation = approved_organisation()  # its licence name points at no file
    with pytest.raises(Http404):
        serve(organisation.licence)
    Organisation.objects.filter(pk=organisation.pk).update(licence="")
    organisation.refresh_from_db()
    with pytest.raises(Http404):
        serve(organisation.licence)
