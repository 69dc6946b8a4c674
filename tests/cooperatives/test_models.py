import pytest
from django.core.exceptions import ValidationError
from oscar.core.loading import get_model

from cooperatives.models import Cooperative
from cooperatives.services import add_cooperative_manager, remove_cooperative_manager
from tests.factories import CooperativeFactory, CountyFactory, UserFactory, make_product

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def test_a_cooperative_is_created_with_its_own_partner():
    cooperative = CooperativeFactory(name="察右中旗草原红胡萝卜种植专业合作社")
    assert cooperative.partner.name == cooperative.name
    assert Partner.objects.get(cooperative=cooperative) == cooperative.partner
    assert (
        cooperative.slug == "cha-you-zhong-qi-cao-yuan-hong-hu-luo-bo-zhong-zhi-zhuan-ye-he-zuo-she"
    )


def test_renaming_a_cooperative_renames_its_partner():
    cooperative = CooperativeFactory()
    cooperative.name = "新名字合作社"
    cooperative.save()
    assert Partner.objects.get(pk=cooperative.partner_id).name == "新名字合作社"
    assert Partner.objects.count() == 1


def test_bad_credit_code_is_refused_by_full_clean():
    cooperative = Cooperative(name="x", county=CountyFactory(), credit_code="91350100M000100Y44")
    with pytest.raises(ValidationError) as excinfo:
        cooperative.full_clean(exclude=["partner"])
    assert "credit_code" in excinfo.value.message_dict


def test_a_stock_record_at_the_partner_makes_the_product_the_cooperatives(cooperative):
    product = make_product(cooperative)
    assert product.cooperative == cooperative
    assert product.origin_county == cooperative.county


def test_the_cooperative_always_follows_the_stock_records_partner(cooperative, other_cooperative):
    """One source of truth: who may edit it, whose households are credited, what shoppers see."""
    product = make_product(other_cooperative, cooperative=cooperative)
    assert product.cooperative == other_cooperative
    stockrecord = product.stockrecords.get()
    stockrecord.partner = cooperative.partner
    stockrecord.save()
    product.refresh_from_db()
    assert product.cooperative == cooperative


def test_stock_updates_do_not_touch_the_product(cooperative):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stockrecord = make_product(cooperative).stockrecords.get()
    stockrecord.num_allocated = 3
    with CaptureQueriesContext(connection) as queries:
        stockrecord.save(update_fields=["num_allocated"])
    sql = [q["sql"] for q in queries]
    assert not [q for q in sql if 'catalogue_product"' in q or "cooperatives_" in q]


def test_homophone_names_get_distinct_slugs():
    first = CooperativeFactory(name="武川县义兴元雪菊种植专业合作社")
    second = CooperativeFactory(name="武川县义兴园雪菊种植专业合作社")  # 园 and 元 are both yuan
    assert first.slug != second.slug
    assert second.slug.startswith(first.slug)


def test_managers_are_partner_users_with_dashboard_access(cooperative, other_cooperative):
    user = UserFactory()
    add_cooperative_manager(cooperative, user)
    add_cooperative_manager(other_cooperative, user)
    assert set(Cooperative.objects.for_manager(user)) == {cooperative, other_cooperative}
    assert user.has_perm("partner.dashboard_access")

    remove_cooperative_manager(cooperative, user)
    user = type(user).objects.get(pk=user.pk)  # drop the permission cache
    assert user.has_perm("partner.dashboard_access")  # still manages the other one
    remove_cooperative_manager(other_cooperative, user)
    user = type(user).objects.get(pk=user.pk)
    assert not Cooperative.objects.for_manager(user).exists()
    assert not user.has_perm("partner.dashboard_access")


def test_certification_needs_number_and_date(cooperative):
    import datetime

    product = make_product(cooperative, certification_number="扶贫产品认定 1")
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert excinfo.value.message_dict["__all__"] == ["扶贫产品认定需要同时填写认定编号和有效期。"]
    product.certification_valid_until = datetime.date(2999, 1, 1)
    product.full_clean()


def test_certification_badge_only_while_valid(cooperative):
    import datetime

    product = make_product(
        cooperative,
        certification_number="扶贫产品认定 1",
        certification_valid_until=datetime.date(2026, 6, 30),
    )
    assert product.is_certified_on(datetime.date(2026, 6, 30))
    assert not product.is_certified_on(datetime.date(2026, 7, 1))
    product.certification_number = ""
    assert not product.is_certified_on(datetime.date(2026, 1, 1))
