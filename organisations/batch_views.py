"""Purchase batches' pages (/organisations/…/batches/): new batch, an organisation's batches, one
batch, the sample sheet. Thin: the checks are in ``recipients``, the write and who sees what in
``batches``. Anyone who is not a member (or, for a batch, its maker or an 管理员): 404."""

import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook
from oscar.core.loading import get_model

from cooperatives.models import mask_name
from orders.checkout.views import TOKEN_FIELD, parse_token
from orders.fulfilment import CARRIERS
from sheets.writer import CONTENT_TYPES, attachment_header

from . import batches, recipients
from .batch_forms import BatchForm, GiftFormSet
from .models import Member, Organisation

Parcel = get_model("order", "Parcel")

ORDERS_PER_PAGE = 50
SAMPLE_ROWS = [  # made up
    ["张三", "13900000001", "北京市", "北京市", "房山区", "良乡镇拱辰大街1号院2号楼301"],
    ["李四", "13900000002", "内蒙古自治区", "乌兰察布市", "察哈尔右翼中旗", "科布尔镇建设路8号"],
]
ERRORS_SHOWN = 200


def _organisation(request, pk):
    return get_object_or_404(Organisation.objects.for_member(request.user).distinct(), pk=pk)


def _is_admin(user, organisation) -> bool:
    return Member.objects.filter(
        organisation=organisation, user=user, role=Member.Role.ADMIN
    ).exists()


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request, pk):
    organisation = _organisation(request, pk)
    checked = None
    token = uuid.uuid4()
    if request.method == "POST":
        token = parse_token(request.POST.get(TOKEN_FIELD))
        already = batches.made_with(token, request.user)
        if already is not None:  # a double click or a retried request: the batch it made
            messages.info(
                request,
                _("Batch %(reference)s was already made from this form: here it is.")
                % {"reference": already.reference},
            )
            return redirect("organisations:batch-detail", reference=already.reference)
        form = BatchForm(request.POST, request.FILES)
        gifts = GiftFormSet(request.POST, prefix="gift")
        if token is None:
            # Without its one-time token a repeat could not be told from a new batch.
            token = uuid.uuid4()
            form.is_valid()
            form.add_error(None, str(batches.USED_FORM))
        elif form.is_valid() and gifts.is_valid():
            upload = form.cleaned_data["sheet"]
            data = upload.read(recipients.MAX_FILE_BYTES + 1)
            checked = recipients.read(data, upload.name)
            if checked.ok and checked.warnings and not form.cleaned_data["repeats_ok"]:
                form.add_error(
                    "repeats_ok",
                    _("The sheet repeats some recipients (listed below): tick to send to them "
                      "too, or correct the sheet. Choose the file again."),
                )  # fmt: skip
            elif checked.ok:
                try:
                    batch = batches.create_batch(
                        organisation=organisation,
                        user=request.user,
                        title=form.cleaned_data["title"],
                        gifts=gifts.gifts(),
                        recipients=checked.recipients,
                        token=token,
                    )
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    messages.success(
                        request,
                        _("Batch %(reference)s made: %(count)d orders, waiting for payment.")
                        % {"reference": batch.reference, "count": batch.recipients},
                    )
                    return redirect("organisations:batch-detail", reference=batch.reference)
    else:
        form = BatchForm()
        gifts = GiftFormSet(prefix="gift")
    errors = checked.errors if checked else []
    return render(
        request,
        "organisations/batch_new.html",
        {
            "organisation": organisation,
            "form": form,
            "gifts": gifts,
            "checked": checked,
            "row_errors": errors[:ERRORS_SHOWN],
            "more_errors": max(len(errors) - ERRORS_SHOWN, 0),
            "warnings": (checked.warnings[:ERRORS_SHOWN] if checked else []),
            "max_recipients": recipients.max_recipients(),
            TOKEN_FIELD: token,
            "token_field": TOKEN_FIELD,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def batch_list(request, pk):
    organisation = _organisation(request, pk)
    page = Paginator(
        batches.batches_for(request.user, organisation).select_related("created_by"), 20
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/batch_list.html",
        {
            "organisation": organisation,
            "page": page,
            "is_admin": _is_admin(request.user, organisation),
        },
    )


@login_required
def batch_detail(request, reference):
    batch = get_object_or_404(
        batches.visible_batches(request.user).select_related("organisation", "created_by"),
        reference=reference,
    )
    orders = (
        batch.orders.select_related("shipping_address")
        .prefetch_related(Prefetch("parcels", queryset=Parcel.objects.order_by("pk")))
        .order_by("pk")
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "order": order,
            "name": mask_name(
                (order.shipping_address.first_name or "").strip() if order.shipping_address else ""
            ),
            "mobile": order.shipping_address.masked_mobile if order.shipping_address else "",
            "region": _region(order.shipping_address),
            "tracking": [
                f"{CARRIERS.get(parcel.carrier, (parcel.carrier,))[0]} {parcel.tracking_number}"
                for parcel in order.parcels.all()
            ],
        }
        for order in page
    ]
    return render(
        request,
        "organisations/batch_detail.html",
        {
            "batch": batch,
            "organisation": batch.organisation,
            "page": page,
            "rows": rows,
            "waiting": batch.status == batch.Status.PENDING_PAYMENT,
        },
    )


@login_required
def batch_template(request):
    """The sample sheet: the header and two made-up rows (one with the four address columns,
    the way the sheet is read). Not ``sheets.writer.Sheet``: its XLSX puts title rows above the
    header (and a 合计 row below), while an upload is read with its header in row 1
    (``sheets.reader``), so a sample written that way could not be filled in and sent back as
    it is. Its download header and content type are the writer's."""
    book = Workbook()
    sheet = book.active
    sheet.title = "收货人名单"
    sheet.append(recipients.TEMPLATE_HEADER)
    for row in SAMPLE_ROWS:
        sheet.append(row)
    for column, width in zip("ABCDEF", (10, 14, 14, 12, 16, 36), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = attachment_header("recipients-sample", "xlsx")
    return response


def _region(address) -> str:
    if address is None:
        return ""
    parts = []
    for value in (address.state, address.line4, address.line3):
        if value and value not in parts:
            parts.append(value)
    return "".join(parts)
