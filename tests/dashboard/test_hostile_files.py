"""Hostile files through the dashboard: a household file that would inflate or hold bad values
is a message, on the page or on the worker's job; a decompression bomb is refused as "too many
pixels", naming the limit, on every picture upload (the cooperative's profile, the staff
cooperative form, Oscar's product images, image attributes and categories), and nothing is
stored. Pillow's own limit is the same, for whatever opens a stored picture later."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse
from oscar.core.loading import get_class, get_model
from PIL import Image

from cooperatives import imports, services
from cooperatives.models import Cooperative, Household, HouseholdImport
from cooperatives.uploads import MAX_PIXELS, reencode_image
from tests.cooperatives.test_imports import HEADER, as_csv, good_rows
from tests.factories import PASSWORD, CooperativeFactory, CountyFactory, make_product
from tests.sheets.test_reader import one_huge_cell

from .test_catalogue_permissions import _product_form_data

pytestmark = pytest.mark.django_db

ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
ProductAttribute = get_model("catalogue", "ProductAttribute")

PILLOW_FIRST = "图片像素过多（40000 万像素，最多 4000 万像素）。"  # 20000 × 20000: Pillow's check
HEADER_CHECK = "图片像素过多（4900 万像素，最多 4000 万像素）。"  # 7000 × 7000: ours, first


def png_bomb(width, height):
    """A real, decodable 1-bit PNG of ``width`` × ``height`` black pixels: tiny on disk, huge in
    memory once decoded. Built a row at a time, so the test itself never holds the pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    squeeze = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(data, name="picture.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def photo(size=(64, 48)):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    Image.new("RGB", size, (200, 90, 30)).save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg")


def stored_files(settings):
    return (
        [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
        if settings.MEDIA_ROOT.exists()
        else []
    )


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


# --- Pictures: the service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "message"), [((20000, 20000), PILLOW_FIRST), ((7000, 7000), HEADER_CHECK)]
)
def test_a_picture_bomb_is_refused_as_too_many_pixels_naming_the_limit(size, message):
    bomb = png_bomb(*size)
    assert len(bomb) < 200_000
    with pytest.raises(ValidationError) as refused:
        reencode_image(upload(bomb))
    assert refused.value.messages == [message]


def test_pillows_own_limit_is_the_upload_limit_everywhere():
    """Set once at startup (CooperativesConfig.ready): thumbnails of stored pictures too."""
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS == 40_000_000


def test_a_stored_bomb_is_not_decoded_by_the_thumbnailer(monkeypatch, caplog):
    """A bomb stored before these checks (or by hand): sorl-thumbnail gives up on its header
    (and logs why) instead of decoding 81 million pixels in a web worker."""
    from PIL import ImageFile

    product = make_product(CooperativeFactory())
    image = ProductImage(product=product, display_order=0)
    image.original.save("old.png", ContentFile(png_bomb(9000, 9000)), save=True)
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self)
    )
    get_class("oscar.core.thumbnails", "SorlThumbnail")().generate_thumbnail(
        image.original, size="100x100"
    )
    assert decoded == []
    assert "exceeds limit of 80000000 pixels" in caplog.text


def test_the_profile_service_refuses_a_bomb_and_stores_nothing(cooperative, settings):
    with pytest.raises(ValidationError, match="最多 4000 万像素"):
        services.update_profile(
            cooperative, fields={"story": "改了"}, logo=upload(png_bomb(20000, 20000))
        )
    cooperative.refresh_from_db()
    assert not cooperative.logo and cooperative.story != "改了"
    assert stored_files(settings) == []


# --- Pictures: the forms Oscar's dashboard and ours post ---------------------------------------


def test_oscars_product_image_upload_refuses_a_bomb(client, staff, settings, vegetables):
    product = make_product(CooperativeFactory(), title="胡萝卜", categories=[vegetables])
    data = _product_form_data(
        product,
        product.stockrecords.get(),
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-display_order": "0",
            "images-0-caption": "",
            "images-0-original": upload(png_bomb(20000, 20000)),
        },
    )
    login(client, staff)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    assert PILLOW_FIRST in response.content.decode()
    assert not ProductImage.objects.exists() and stored_files(settings) == []


def test_oscars_product_image_upload_stores_the_picture_re_encoded(client, staff, vegetables):
    product = make_product(CooperativeFactory(), title="胡萝卜", categories=[vegetables])
    data = _product_form_data(
        product,
        product.stockrecords.get(),
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-display_order": "0",
            "images-0-caption": "",
            "images-0-original": photo(),
        },
    )
    login(client, staff)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    assert client.post(url, data).status_code == 302
    stored = ProductImage.objects.get(product=product).original
    assert "IMG_0001" not in stored.name and stored.name.endswith(".jpg")
    with Image.open(stored.path) as image:
        assert "SecretCam" not in str(image.getexif().get(0x010F, ""))


def test_oscars_image_attributes_and_category_images_refuse_a_bomb():
    product = make_product(CooperativeFactory())
    ProductAttribute.objects.create(
        product_class=product.get_product_class(), name="产地照片", code="origin_photo",
        type=ProductAttribute.IMAGE,
    )  # fmt: skip
    ProductForm = get_class("dashboard.catalogue.forms", "ProductForm")
    form = ProductForm(
        product.get_product_class(), instance=product, data={"title": "x"},
        files={"attr_origin_photo": upload(png_bomb(20000, 20000))},
    )  # fmt: skip
    assert not form.is_valid() and form.errors["attr_origin_photo"] == [PILLOW_FIRST]

    CategoryForm = get_class("dashboard.catalogue.forms", "CategoryForm")
    form = CategoryForm(
        data={"name": "蔬菜", "_position": "first-child", "_ref_node_id": ""},
        files={"image": upload(png_bomb(7000, 7000))},
    )
    assert not form.is_valid() and form.errors["image"] == [HEADER_CHECK]


def test_the_staff_cooperative_form_refuses_a_bomb_logo(client, staff, cooperative, settings):
    login(client, staff)
    response = client.post(
        reverse("dashboard:cooperative-update", kwargs={"pk": cooperative.pk}),
        {
            "name": "改名合作社",
            "county": cooperative.county_id,
            "credit_code": cooperative.credit_code,
            "benefit_share": "0.10",
            "is_active": "on",
            "logo": upload(png_bomb(20000, 20000)),
        },
    )
    assert response.status_code == 200 and PILLOW_FIRST in response.content.decode()
    assert Cooperative.objects.get(pk=cooperative.pk).name != "改名合作社"
    assert stored_files(settings) == []


def test_the_manager_profile_page_names_the_limit(client, manager, cooperative, settings):
    login(client, manager)
    response = client.post(
        reverse("dashboard:cooperative-profile"),
        {"tagline": "", "story": "", "village": "", "contact_phone": "",
         "photo_upload": upload(png_bomb(7000, 7000))},
    )  # fmt: skip
    assert response.status_code == 200 and HEADER_CHECK in response.content.decode()
    assert not cooperative.photos.exists() and stored_files(settings) == []


# --- Household files through the upload page and the worker -----------------------------------


@pytest.fixture
def places():
    return CooperativeFactory(name="胡萝卜合作社", county=CountyFactory(name="察右中旗"))


def test_the_upload_page_refuses_the_60_mb_cell_xlsx_without_echoing_it(client, staff, places):
    login(client, staff)
    response = client.post(
        reverse("dashboard:household-import"),
        {"file": SimpleUploadedFile("households.xlsx", one_huge_cell(60_000_000))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "XLSX 文件解压后会膨胀到" in html and "最多 100 倍" in html
    assert "xxxxxxxxxx" not in html and len(html) < 200_000
    assert not Household.objects.exists()


def test_the_worker_lists_values_that_do_not_fit_and_imports_nothing(
    client, staff, places, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HOUSEHOLD_IMPORT_SYNC_MAX_BYTES = 100  # every upload goes to the worker
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    rows = good_rows(3)
    rows[0][HEADER.index("权重")] = "Infinity"
    rows[2][HEADER.index("嘎查村")] = "村" * 65
    login(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard:household-import"),
            {"file": SimpleUploadedFile("h.csv", as_csv(rows), content_type="text/csv")},
        )
    job = HouseholdImport.objects.get()
    assert job.status == HouseholdImport.Status.FAILED
    assert job.errors == [[2, "权重应为大于 0 的数"], [4, "“嘎查村”最多 64 个字符（这里有 65 个）"]]
    assert not Household.objects.exists()


def test_a_worker_crash_marks_the_job_failed_instead_of_running_for_ever(
    staff, places, settings, tmp_path, monkeypatch
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    monkeypatch.setattr(imports, "import_households", lambda *a, **k: 1 / 0)
    job = services.queue_household_import(staff, SimpleUploadedFile("h.csv", as_csv(good_rows(1))))
    with pytest.raises(ZeroDivisionError):
        imports.run_household_import(job.pk)
    job.refresh_from_db()
    assert job.status == HouseholdImport.Status.FAILED and job.errors[0][0] == 1
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
