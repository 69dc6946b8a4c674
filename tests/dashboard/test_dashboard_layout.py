"""The dashboard layout loads Oscar's dashboard scripts less TinyMCE, then our fixes to them
(static/jingmeng/js/dashboard-oscar.js), with the words that script shows translated."""

import re
from pathlib import Path

import oscar
import pytest
from django.http import HttpRequest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OSCAR_LAYOUT = Path(oscar.__file__).parent / "templates/oscar/dashboard/layout.html"


def oscar_dashboard_scripts():
    block = OSCAR_LAYOUT.read_text().split("{% block extrascripts %}")[1].split("{% endblock")[0]
    return re.findall(r'static "([^"]+\.js)"', block)


def test_every_oscar_dashboard_script_but_tinymce_then_ours(client, staff):
    assert client.login(request=HttpRequest(), username=staff.email, password=PASSWORD)
    html = client.get(reverse("dashboard:index")).content.decode()
    loaded = re.findall(r'<script src="/static/([^"]+)"', html)
    expected = [s for s in oscar_dashboard_scripts() if "tinymce" not in s]
    assert expected, "Oscar's dashboard layout lists no scripts: has it changed?"
    ours = loaded.index("jingmeng/js/dashboard-oscar.js")
    assert [s for s in loaded[:ours] if s in expected] == expected  # all, in Oscar's order
    assert not [s for s in loaded if "tinymce" in s]
    assert 'data-select-all="全选"' in html
    assert "vendor/jodit/jodit.min.js" in html  # fetched by the script where a page needs it
