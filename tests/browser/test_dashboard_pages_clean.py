"""Real browser, on a phone: every dashboard page, as staff and as a cooperative manager, loads
with no JavaScript error, no console error and nothing blocked by the Content-Security-Policy.

The pages are the dashboard's own navigation (read from each user's menu, so a section added to
``OSCAR_DASHBOARD_NAVIGATION`` is visited without touching this test) plus the detail and edit
pages listed in ``PAGES`` below: add a page there, with who may open it.

A page counts as clean only once its ready handlers have run: jQuery 3 hands an exception thrown
in a ``$(function () {...})`` handler to ``setTimeout`` (``jQuery.readyException``), so it
surfaces after ``load``. The test waits for a ready handler of its own, queued after the page's,
and for two turns of the event loop after it, before it reads what the page reported.
"""

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from oscar.core.loading import get_model
from PIL import Image
from playwright.sync_api import expect

from invoices import services as invoicing
from orders import aftersales, statuses
from organisations.models import Organisation
from organisations.services import apply as applying
from tests.factories import (
    HouseholdFactory,
    MembershipFactory,
    make_credit_code,
    make_order,
    make_product,
)
from tests.livestream.conftest import new_session

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
STAFF, MANAGER = "staff", "manager"
BOTH = (STAFF, MANAGER)


@dataclass(frozen=True)
class Page:
    """A page to visit: its URL name, its arguments read from the test's objects (``world``),
    and who opens it."""

    url_name: str
    kwargs: tuple[tuple[str, str], ...] = ()  # (url argument, key in world)
    roles: tuple[str, ...] = BOTH
    query: tuple[tuple[str, str], ...] = ()  # (query parameter, key in world)

    def url(self, world) -> str:
        url = reverse(self.url_name, kwargs={arg: world[key] for arg, key in self.kwargs})
        return (
            f"{url}?{urlencode([(p, world[key]) for p, key in self.query])}" if self.query else url
        )


# The detail and edit pages behind the navigation: one at least per section.
PAGES = [
    Page("dashboard:index"),
    # catalogue
    Page("dashboard:catalogue-product-list"),
    Page("dashboard:catalogue-product", (("pk", "product"),)),
    Page("dashboard:catalogue-product-create", (("product_class_slug", "product_class_slug"),)),
    Page("dashboard:catalogue-category-update", (("pk", "category"),), (STAFF,)),
    Page("dashboard:catalogue-class-update", (("pk", "product_class"),), (STAFF,)),
    # orders
    Page("dashboard:order-list"),
    Page("dashboard:order-detail", (("number", "order"),)),
    Page("dashboard:order-detail", (("number", "order_with_case"),)),  # an after-sales case
    Page("dashboard:order-line-detail", (("number", "order"), ("line_id", "line"))),
    Page("dashboard:order-stats", roles=(STAFF,)),
    # cooperatives: the workspace
    Page("dashboard:cooperative-update", (("pk", "cooperative"),), (STAFF,)),
    Page("dashboard:cooperative-profile", roles=(MANAGER,)),
    Page("dashboard:cooperative-sales"),
    Page("dashboard:fulfilment"),
    Page("dashboard:packing-list"),
    Page("dashboard:shipping-import"),
    Page("dashboard:shipping-labels", query=(("order", "order"),)),
    Page("dashboard:order-after-sales"),
    Page("dashboard:household-list"),
    Page("dashboard:household-import", roles=(STAFF,)),
    # organisation buyers, bank transfers, invoices
    Page("dashboard:organisation-list", roles=(STAFF,)),
    Page("dashboard:organisation-detail", (("pk", "organisation"),), (STAFF,)),
    Page("dashboard:transfer-list", roles=(STAFF,)),
    Page("dashboard:transfer-import", roles=(STAFF,)),
    Page("dashboard:invoice-list"),
    Page("dashboard:invoice-detail", (("pk", "invoice"),)),
    # reviews
    Page("dashboard:reviews-list"),
    Page("dashboard:reviews-update", (("pk", "review"),)),
    # search
    Page("dashboard:search-synonym-list", roles=(STAFF,)),
    Page("dashboard:search-synonym-update", (("pk", "synonym"),), (STAFF,)),
    Page("dashboard:search-report", roles=(STAFF,)),
    # offers, ranges, vouchers
    Page("dashboard:offer-detail", (("pk", "offer"),), (STAFF,)),
    Page("dashboard:offer-metadata", (("pk", "offer"),), (STAFF,)),
    Page("dashboard:range-update", (("pk", "range"),), (STAFF,)),
    Page("dashboard:voucher-update", (("pk", "voucher"),), (STAFF,)),
    Page("dashboard:voucher-stats", (("pk", "voucher"),), (STAFF,)),
    # reports, users, partners, pages, shipping, emails
    Page("dashboard:reports-index", roles=(STAFF,)),
    Page("dashboard:user-detail", (("pk", "consumer"),), (STAFF,)),
    Page("dashboard:partner-manage", (("pk", "partner"),), (STAFF,)),
    Page("dashboard:page-update", (("pk", "flatpage"),), (STAFF,)),
    Page("dashboard:shipping-method-detail", (("pk", "shipping_method"),), (STAFF,)),
    Page("dashboard:comms-update", (("slug", "email_code"),), (STAFF,)),
    # live sessions: the host's tools (staff may open every session)
    Page("livestream:host-list", roles=(STAFF,)),
    Page("livestream:host-session", (("pk", "session"),), (STAFF,)),
    Page("livestream:stats", (("pk", "session"),), (STAFF,)),
]

# Set before any of the page's own scripts: every CSP violation, with where it happened.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(
        e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
        ' (' + e.sourceFile + ':' + e.lineNumber + ')'
    );
});
"""

# Resolves once the page's ready handlers, and the timers their exceptions are rethrown on,
# have run: a ready handler queued after theirs, then two turns of the event loop.
SETTLED = """
() => new Promise((resolve) => {
    const after = () => setTimeout(() => setTimeout(resolve, 0), 0);
    if (window.jQuery) { window.jQuery(after); } else { after(); }
})
"""

# Console messages that are errors in all but name (TinyMCE's licence nag among them).
BAD_WARNINGS = ("jQuery.Deferred exception", "evaluation mode")


def _is_problem(message) -> bool:
    if "Content Security Policy" in message.text:
        return False  # reported once, shorter, by the securitypolicyviolation listener
    return message.type == "error" or (
        message.type == "warning" and any(w in message.text for w in BAD_WARNINGS)
    )


def _picture(name="carrots.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (230, 120, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(cooperative, other_cooperative, manager, staff, consumer, china, host_user, vegetables):
    """One of everything the listed pages show, the manager's cooperative's and another's."""
    from django.contrib.flatpages.models import FlatPage
    from django.contrib.sites.models import Site

    from catalog.models import Synonym

    ProductImage = get_model("catalogue", "ProductImage")
    ProductReview = get_model("reviews", "ProductReview")
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    Range = get_model("offer", "Range")
    Voucher = get_model("voucher", "Voucher")
    WeightBased = get_model("shipping", "WeightBased")
    CommunicationEventType = get_model("communication", "CommunicationEventType")

    carrots = make_product(
        cooperative, title="察右中旗草原胡萝卜", price="29.90", categories=[vegetables]
    )
    ProductImage.objects.create(product=carrots, original=_picture(), display_order=0)
    tea = make_product(other_cooperative, title="武川雪菊茶", price="68.00")
    order = make_order([(carrots, 2), (tea, 1)], user=consumer, status=statuses.PAID)
    asked = make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
    aftersales.request(
        asked,
        kind="refund",
        reason="quality",
        description="有两根断了",
        quantities={asked.lines.get(): 1},
        user=consumer,
    )
    MembershipFactory(
        cooperative=cooperative, household=HouseholdFactory(county=cooperative.county)
    )
    review = ProductReview.objects.create(
        product=carrots, user=consumer, score=5, title="又甜又脆", body="孩子爱吃。"
    )
    everything = Range.objects.create(name="全部商品", includes_all_products=True)
    offer = ConditionalOffer.objects.create(
        name="满100减10",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(range=everything, type=Condition.VALUE, value=100),
        benefit=Benefit.objects.create(range=everything, type=Benefit.FIXED, value=10),
    )
    voucher = Voucher.objects.create(
        name="新客券",
        code="XINKE10",
        start_datetime=timezone.now(),
        end_datetime=timezone.now() + timedelta(days=30),
    )
    voucher.offers.add(offer)
    flatpage = FlatPage.objects.create(url="/about/", title="关于我们", content="<p>京蒙优选</p>")
    flatpage.sites.add(Site.objects.get_current())
    session = new_session(host_user, cooperative, title="察右中旗胡萝卜专场")
    organisation = applying(
        user=consumer, licence=_picture("licence.jpg"), name="房山区测试工会",
        kind=Organisation.Kind.UNION, credit_code=make_credit_code("110111"), district="房山区",
        contact_name="王联系", contact_phone="13900000000", contact_email="union@example.com",
    )  # fmt: skip
    asked_invoice = invoicing.request_invoices(
        user=consumer, order=order,
        details=invoicing.Details(kind="ordinary", title_type="person", title="王先生",
                                  tax_number="", email=consumer.email),
    )  # fmt: skip
    return {
        "organisation": organisation.pk,
        "invoice": asked_invoice.invoices.get(partner=cooperative.partner).pk,
        "product": carrots.pk,
        "product_class_slug": carrots.product_class.slug,
        "product_class": carrots.product_class.pk,
        "category": vegetables.pk,
        "order": order.number,
        "order_with_case": asked.number,
        "line": order.lines.get(product=carrots).pk,
        "cooperative": cooperative.pk,
        "partner": cooperative.partner.pk,
        "review": review.pk,
        "synonym": Synonym.objects.get_or_create(term="红萝卜", means="胡萝卜")[0].pk,
        "offer": offer.pk,
        "range": everything.pk,
        "voucher": voucher.pk,
        "consumer": consumer.pk,
        "flatpage": flatpage.pk,
        "shipping_method": WeightBased.objects.create(name="顺丰", default_weight=1).pk,
        "email_code": CommunicationEventType.objects.get_or_create(
            code="ORDER_PLACED", defaults={"name": "下单确认", "category": "Order related"}
        )[0].code,
        "session": session.pk,
        "users": {STAFF: staff, MANAGER: manager},
    }


def _nav_links(page):
    return page.eval_on_selector_all(
        "nav.navbar-primary a[href^='/dashboard/']",
        "links => links.map((a) => a.getAttribute('href'))",
    )


def _problems_on(page, url, problems):
    """Open ``url`` and return what went wrong there (``problems`` collects the page's
    messages as they come)."""
    problems.clear()
    response = page.goto(url)
    page.evaluate(SETTLED)
    # The rich-text editor's script is fetched after the page: wait for it to be made.
    page.wait_for_function("() => !document.querySelector('[data-rich-text=loading]')")
    found = list(problems)
    if response is None or not response.ok:
        found.append(f"HTTP {response.status if response else 'no response'}")
    found += [f"CSP: {v}" for v in page.evaluate("window.__cspViolations")]
    return found


@pytest.mark.parametrize("role", BOTH)
def test_every_dashboard_page_loads_without_errors(
    role, chromium_path, live_server, browser, world
):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if _is_problem(message)
            else None
        ),
    )
    sign_in(page, live_server, world["users"][role])

    page.goto(f"{live_server.url}{reverse('dashboard:index')}")
    listed = [p.url(world) for p in PAGES if role in p.roles]
    navigation = _nav_links(page)
    assert navigation, "the dashboard's menu has no links"
    urls = list(dict.fromkeys([*listed, *navigation]))

    report = {}
    for url in urls:
        found = _problems_on(page, f"{live_server.url}{url}", problems)
        if found:
            report[url] = found
    context.close()

    assert not report, f"{len(report)} of {len(urls)} dashboard pages as {role}:\n" + "\n".join(
        f"{url}\n    " + "\n    ".join(found) for url, found in report.items()
    )


def test_the_editor_speaks_chinese_and_saves_and_pictures_preview(
    chromium_path, live_server, browser, world
):
    """The product page's rich-text editor is Jodit with its tooltips in Chinese, and what is
    typed in it is saved; a picture chosen for a new image shows at once and hides its upload
    button (Oscar's inline handlers for that are blocked by the CSP); on an order page the lines
    table's box selects every line (staff's table: a manager's has no boxes)."""
    Product = get_model("catalogue", "Product")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    sign_in(page, live_server, world["users"][MANAGER])

    page.goto(f"{live_server.url}{reverse('dashboard:catalogue-product', args=[world['product']])}")
    editor = page.locator(".jodit-wysiwyg")
    expect(editor).to_be_visible()
    expect(page.locator(".jodit-toolbar-button_bold button")).to_have_attribute(
        "aria-label", "粗体"
    )
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("草原红胡萝卜，甜脆多汁。")

    page.locator("a[href='#product_images']").click()
    button = page.locator("#upload_button_id_images-1-original-image")
    expect(button).to_be_visible()
    picture = Image.new("RGB", (300, 200), (30, 160, 60))
    out = io.BytesIO()
    picture.save(out, format="JPEG")
    page.locator("#id_images-1-original").set_input_files(
        files=[{"name": "green.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}]
    )
    expect(page.locator("#id_images-1-original-image img")).to_have_attribute(
        "src", re.compile("^data:image/jpeg")
    )
    expect(button).to_be_hidden()

    page.locator("button[name=action][value=continue]").click()
    errors = [t for t in page.locator(".invalid-feedback, .error-block").all_inner_texts() if t]
    assert not errors
    expect(page.locator(".alert-success")).to_be_visible()
    product = Product.objects.get(pk=world["product"])
    assert "草原红胡萝卜，甜脆多汁。" in product.description
    assert product.images.count() == 2

    context.close()

    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    sign_in(page, live_server, world["users"][STAFF])  # a manager's lines table has no boxes
    page.goto(f"{live_server.url}{reverse('dashboard:order-detail', args=[world['order']])}")
    select_all = page.locator("#order_lines_form .jm-select-all")
    select_all.check()
    lines = page.locator("#order_lines_form input[name=selected_line]")
    expect(lines.first).to_be_checked()
    assert all(lines.nth(i).is_checked() for i in range(lines.count()))
    context.close()
