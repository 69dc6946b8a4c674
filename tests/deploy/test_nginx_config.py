"""deploy/nginx/jingmeng.conf is a configuration nginx accepts (``nginx -t``), as written: only
the certificate and log paths are pointed at a throwaway certificate and a temporary folder."""

import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "jingmeng.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_the_nginx_site_passes_nginx_t(tmp_path):
    require_service(Path(NGINX).exists(), "nginx not installed (scripts/system-deps.sh)")
    openssl = shutil.which("openssl")
    require_service(bool(openssl), "openssl not installed")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=shop.jingmeng.example", "-keyout", tmp_path / "key.pem", "-out",
         tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    site = SITE.read_text()
    for original, replacement in {
        "/etc/letsencrypt/live/shop.jingmeng.example/fullchain.pem": tmp_path / "cert.pem",
        "/etc/letsencrypt/live/shop.jingmeng.example/privkey.pem": tmp_path / "key.pem",
        "/var/log/nginx/jingmeng.access.log": tmp_path / "access.log",
    }.items():
        assert original in site, f"{original} is no longer in the site config: update this test"
        site = site.replace(original, str(replacement))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-c", tmp_path / "nginx.conf"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_site_keeps_probes_and_metrics_off_the_public_side():
    site = SITE.read_text()
    assert "location = /readyz" in site and "location = /metrics" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Request-ID $request_id;" in site
