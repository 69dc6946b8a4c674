"""Production static files: collectstatic with WhiteNoise's compressed, cache-busted manifest
must succeed (a vendored file referring to a missing source map once broke it)."""

import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.templatetags.static import static

from shop.storage import MemoizedManifestStaticFilesStorage


def test_collectstatic_builds_the_hashed_compressed_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "shop.storage.MemoizedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    live_js = static("jingmeng/js/live.js")
    assert (
        live_js.startswith("/static/jingmeng/js/live.") and live_js != "/static/jingmeng/js/live.js"
    )
    assert any(tmp_path.joinpath("jingmeng/js").glob("live.*.js.gz"))  # compressed


def test_static_urls_are_worked_out_once_and_missing_files_still_fail(settings, tmp_path):
    """``shop.storage``: the manifest is asked once per name; a name it lacks is an error every
    time (never remembered as something else)."""
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"a/b.js": "a/b.0123abcd.js"}})
    )
    storage = MemoizedManifestStaticFilesStorage()
    assert storage.url("a/b.js") == "/static/a/b.0123abcd.js"
    with mock.patch.object(storage, "stored_name", side_effect=AssertionError("asked again")):
        assert storage.url("a/b.js") == "/static/a/b.0123abcd.js"
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("missing.js")
    assert "missing.js" not in storage._urls
    list(storage.post_process({}, dry_run=True))  # collectstatic rebuilding the manifest
    assert storage._urls == {}
