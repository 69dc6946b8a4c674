"""Production static files: collectstatic with WhiteNoise's compressed, cache-busted manifest
must succeed (a vendored file referring to a missing source map once broke it)."""

from django.core.management import call_command
from django.templatetags.static import static


def test_collectstatic_builds_the_hashed_compressed_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    live_js = static("jingmeng/js/live.js")
    assert (
        live_js.startswith("/static/jingmeng/js/live.") and live_js != "/static/jingmeng/js/live.js"
    )
    assert any(tmp_path.joinpath("jingmeng/js").glob("live.*.js.gz"))  # compressed
