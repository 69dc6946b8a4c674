"""Households in the dashboard: managers see their own members (masked); staff import lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse

from cooperatives.ledger import post_sale_shares
from cooperatives.models import Household, HouseholdImport
from orders import statuses
from tests.cooperatives.test_imports import as_csv, good_rows
from tests.factories import PASSWORD, CountyFactory, MembershipFactory, make_order, make_product

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def test_manager_sees_only_their_members_masked_with_income(
    client, manager, cooperative, other_cooperative
):
    mine = MembershipFactory(cooperative=cooperative).household
    theirs = MembershipFactory(cooperative=other_cooperative).household
    post_sale_shares(
        make_order([(make_product(cooperative, price="100.00"), 1)], status=statuses.PAID)
    )
    login(client, manager)
    html = client.get(reverse("dashboard:household-list")).content.decode()
    assert mine.number in html and theirs.number not in html
    assert (
        mine.masked_id_number in html and mine.id_number not in html and mine.head_name not in html
    )
    assert "¥10.00" in html  # 10% of ¥100.00 to the only member


def test_managers_cannot_import(client, manager):
    login(client, manager)
    assert client.get(reverse("dashboard:household-import")).status_code == 403


@pytest.fixture
def places():
    from tests.factories import CooperativeFactory

    county = CountyFactory(name="察右中旗")
    return CooperativeFactory(name="胡萝卜合作社", county=county)


def upload(rows, name="households.csv"):
    return SimpleUploadedFile(name, as_csv(rows), content_type="text/csv")


def test_staff_imports_a_small_file_at_once(client, staff, places):
    login(client, staff)
    response = client.post(reverse("dashboard:household-import"), {"file": upload(good_rows(5))})
    assert response.status_code == 302
    assert Household.objects.count() == 5


def test_a_bad_row_imports_nothing_and_the_page_lists_it(client, staff, places):
    rows = good_rows(5)
    rows[3][6] = "0"
    login(client, staff)
    response = client.post(reverse("dashboard:household-import"), {"file": upload(rows)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "第 5 行" in html and "家庭人口应为 1 到 30 的整数" in html
    assert Household.objects.count() == 0


def test_not_a_csv_or_xlsx_is_refused(client, staff):
    login(client, staff)
    response = client.post(
        reverse("dashboard:household-import"), {"file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_a_large_file_is_imported_by_a_worker_with_progress(
    client, staff, places, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HOUSEHOLD_IMPORT_SYNC_MAX_BYTES = 100
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    login(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboard:household-import"), {"file": upload(good_rows(30))}
        )
    job = HouseholdImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "dashboard:household-import-job", kwargs={"pk": job.pk}
    )
    assert job.status == "done" and job.created_households == 30
    assert Household.objects.count() == 30
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]  # upload deleted
    progress = client.get(response.url, {"format": "json"}).json()
    assert progress == {"status": "done", "percent": 100, "created": 30, "errors": []}
    assert "30" in client.get(response.url).content.decode()


def test_a_large_bad_file_fails_whole_and_others_cannot_peek(
    client, staff, places, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HOUSEHOLD_IMPORT_SYNC_MAX_BYTES = 100
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    rows = good_rows(30)
    rows[20][7] = "富裕"
    login(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:household-import"), {"file": upload(rows)})
    job = HouseholdImport.objects.get()
    assert job.status == "failed" and job.errors == [[22, "状态应为 未脱贫/已脱贫/监测户"]]
    assert Household.objects.count() == 0

    from tests.factories import UserFactory

    other_staff = UserFactory(is_staff=True)
    login(client, other_staff)
    url = reverse("dashboard:household-import-job", kwargs={"pk": job.pk})
    assert client.get(url).status_code == 404
