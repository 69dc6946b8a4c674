"""A live session's cover is a picture like any other: re-encoded, and a decompression bomb is
refused as "too many pixels", naming the limit, with nothing saved."""

import pytest
from django.http import HttpRequest
from django.urls import reverse
from PIL import Image

from livestream.models import LiveSession
from tests.dashboard.test_hostile_files import PILLOW_FIRST, photo, png_bomb, stored_files, upload
from tests.factories import PASSWORD

from .test_host_tools import form_data

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def test_a_cover_bomb_is_refused_naming_the_limit(client, host_user, cooperative, settings):
    login(client, host_user)
    response = client.post(
        reverse("livestream:host-create"),
        form_data(cooperative, cover=upload(png_bomb(20000, 20000))),
    )
    assert response.status_code == 200 and PILLOW_FIRST in response.content.decode()
    assert not LiveSession.objects.exists() and stored_files(settings) == []


def test_a_cover_is_stored_re_encoded(client, host_user, cooperative):
    login(client, host_user)
    response = client.post(reverse("livestream:host-create"), form_data(cooperative, cover=photo()))
    assert response.status_code == 302
    cover = LiveSession.objects.get().cover
    assert "IMG_0001" not in cover.name and cover.name.endswith(".jpg")
    with Image.open(cover.path) as image:
        assert "SecretCam" not in str(image.getexif().get(0x010F, ""))
