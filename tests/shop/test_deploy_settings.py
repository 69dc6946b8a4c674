"""Media storage is chosen by the environment: S3-compatible object storage when a bucket is
named, the local filesystem otherwise. Settings are read in a fresh process, as at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": type(default_storage).__module__ + "." + type(default_storage).__name__,
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
    "region": getattr(default_storage, "region_name", None),
    "acl": getattr(default_storage, "default_acl", None),
    "signed": getattr(default_storage, "querystring_auth", None),
    "overwrite": getattr(default_storage, "file_overwrite", None),
    "media_origins": settings.MEDIA_ORIGINS,
}))
"""

AWS_VARIABLES = (
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_CUSTOM_DOMAIN",
)


def storage_in_fresh_process(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="shop.settings", **extra)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_go_to_s3_when_a_bucket_is_configured():
    found = storage_in_fresh_process(
        AWS_STORAGE_BUCKET_NAME="jingmeng-media",
        AWS_S3_ENDPOINT_URL="https://oss-cn-beijing.aliyuncs.com",
        AWS_S3_REGION_NAME="cn-beijing",
        AWS_ACCESS_KEY_ID="test-access-key",
        AWS_SECRET_ACCESS_KEY="test-secret-key",  # noqa: S106
    )
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["class"] == "storages.backends.s3.S3Storage"
    assert found["bucket"] == "jingmeng-media"
    assert found["endpoint"] == "https://oss-cn-beijing.aliyuncs.com"
    assert found["region"] == "cn-beijing"
    assert found["acl"] == "private"
    assert found["signed"] is True
    assert found["overwrite"] is False
    # The Content-Security-Policy lets the bucket's (virtual-hosted) picture URLs in.
    assert found["media_origins"] == [
        "https://oss-cn-beijing.aliyuncs.com",
        "https://*.oss-cn-beijing.aliyuncs.com",
    ]


def test_media_stay_on_the_filesystem_without_a_bucket():
    found = storage_in_fresh_process()
    assert found["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["bucket"] is None
    assert found["media_origins"] == []
