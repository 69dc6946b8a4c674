"""A manager edits their cooperative's profile and pictures (re-encoded, size-limited); a change of
certification is a request staff approve."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse
from PIL import Image

from cooperatives.models import CertificationRequest
from tests.factories import PASSWORD, make_product

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def png(size=(64, 48), exif=False):
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 90, 30))
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        kwargs["exif"] = data
    image.save(out, format="JPEG", **kwargs)
    return SimpleUploadedFile("logo.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_manager_updates_the_story_and_uploads_pictures(client, manager, cooperative):
    login(client, manager)
    url = reverse("dashboard:cooperative-profile")
    response = client.post(
        url,
        {
            "tagline": "草原上的红萝卜",
            "story": "合作社带动 120 户建档立卡户种植胡萝卜。",
            "village": "科布尔镇",
            "contact_phone": "0474-1234567",
            "logo_upload": png(exif=True),
            "photo_upload": png((3000, 2000)),
            "photo_caption": "分拣车间",
        },
    )
    assert response.status_code == 302
    cooperative.refresh_from_db()
    assert cooperative.story.startswith("合作社带动")
    with Image.open(cooperative.logo.path) as logo:
        assert "SecretCam" not in str(logo.getexif().get(0x010F, ""))
    photo = cooperative.photos.get()
    with Image.open(photo.image.path) as image:
        assert max(image.size) == 2000  # resized
    assert photo.caption == "分拣车间"


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"not a picture at all", content_type="image/png"),
        SimpleUploadedFile(
            "big.jpg", b"\xff\xd8" + b"0" * (6 * 1024 * 1024), content_type="image/jpeg"
        ),
    ],
)
def test_a_bad_or_oversized_upload_is_refused_and_changes_nothing(
    client, manager, cooperative, upload
):
    login(client, manager)
    before = cooperative.story
    response = client.post(
        reverse("dashboard:cooperative-profile"),
        {
            "tagline": "改了",
            "story": "改了的故事",
            "village": "",
            "contact_phone": "",
            "logo_upload": upload,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不是图片" in html or "太大" in html
    cooperative.refresh_from_db()
    assert cooperative.story == before and not cooperative.logo


def test_a_certification_change_waits_for_staff(client, manager, staff, cooperative):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜")
    login(client, manager)
    pdf = SimpleUploadedFile(
        "cert.pdf",
        b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        content_type="application/pdf",
    )
    client.post(
        reverse("dashboard:cooperative-profile"),
        {
            "action": "certification",
            "product": carrots.pk,
            "number": "扶贫产品认定 150927-0099",
            "valid_until": "2027-12-31",
            "document": pdf,
        },
    )
    request = CertificationRequest.objects.get()
    carrots.refresh_from_db()
    assert carrots.certification_number != "扶贫产品认定 150927-0099"  # not yet
    assert client.get(reverse("dashboard:certification-review")).status_code in (302, 403)
    client.post(
        reverse("dashboard:certification-review"), {"request": request.pk, "decision": "approve"}
    )
    request.refresh_from_db()
    assert request.status == CertificationRequest.Status.REQUESTED  # a manager cannot approve

    client.logout()
    login(client, staff)
    client.post(
        reverse("dashboard:certification-review"), {"request": request.pk, "decision": "approve"}
    )
    carrots.refresh_from_db()
    assert carrots.certification_number == "扶贫产品认定 150927-0099"
    assert str(carrots.certification_valid_until) == "2027-12-31"


def test_a_manager_cannot_open_another_cooperatives_profile(client, manager, other_cooperative):
    login(client, manager)
    url = reverse("dashboard:cooperative-profile") + f"?cooperative={other_cooperative.pk}"
    assert client.get(url).status_code == 404


def test_a_certificate_is_private_and_only_downloaded_by_staff(client, manager, staff, cooperative):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜")
    login(client, manager)
    disguised = SimpleUploadedFile(
        "cert.html", b"%PDF-<html><script>alert(1)</script></html>\n%%EOF", content_type="text/html"
    )
    form = {
        "action": "certification",
        "product": carrots.pk,
        "number": "X-1",
        "valid_until": "2027-12-31",
    }
    response = client.post(
        reverse("dashboard:cooperative-profile"), {**form, "document": disguised}
    )
    assert response.status_code == 200 and not CertificationRequest.objects.exists()
    pdf = SimpleUploadedFile("cert.html", b"%PDF-1.4\ntrailer <<>>\n%%EOF\n")
    client.post(reverse("dashboard:cooperative-profile"), {**form, "document": pdf})
    request = CertificationRequest.objects.get()
    assert request.document.name.endswith(".pdf") and "cert.html" not in request.document.name
    from django.conf import settings

    assert str(settings.MEDIA_ROOT) not in request.document.path
    url = reverse("dashboard:certification-document", kwargs={"pk": request.pk})
    assert client.get(url).status_code in (302, 403)
    client.logout()
    login(client, staff)
    download = client.get(url)
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_decompression_bomb_is_refused(client, manager, cooperative):
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # tiny file, 81 megapixels
    login(client, manager)
    response = client.post(
        reverse("dashboard:cooperative-profile"),
        {
            "tagline": "",
            "story": "",
            "village": "",
            "contact_phone": "",
            "logo_upload": SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 200 and "像素" in response.content.decode()
