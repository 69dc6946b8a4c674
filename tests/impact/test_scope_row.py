"""The scope row of an /impact/ export names the official's counties: all of them up to eight
(a 7th county is named, not hidden behind 等), else the first six and how many more."""

import pytest
from django.utils import translation

from impact import selectors as impact
from tests.factories import CountyFactory, UserFactory

NAMES = ["察右中旗", "四子王旗", "奈曼旗", "科右中旗", "化德县", "正镶白旗", "苏尼特右旗",
         "阿尔山市", "兴和县", "商都县"]  # fmt: skip


@pytest.fixture
def chinese():
    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.mark.parametrize("n", [1, 2, 6, 7, 8])
def test_up_to_eight_counties_are_all_named(chinese, n):
    assert impact.county_names(NAMES[:n]) == "、".join(NAMES[:n])


@pytest.mark.parametrize(("n", "more"), [(9, 3), (10, 4)])
def test_more_are_six_names_and_how_many_more(chinese, n, more):
    assert impact.county_names(NAMES[:n]) == "、".join(NAMES[:6]) + f" 等 {more} 个"


@pytest.mark.django_db
def test_the_scope_row_of_seven_counties_names_the_seventh(chinese):
    for name in NAMES[:7]:
        CountyFactory(name=name)
    counties = impact.scope_counties(UserFactory(is_staff=True))
    label = impact.scope_label(UserFactory(is_staff=True), counties)
    assert "7 个旗县：" in label and "苏尼特右旗" in label and "等" not in label
