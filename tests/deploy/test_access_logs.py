"""The access logs (gunicorn's and nginx's) never hold a password-reset token or a guest's
order-status hash: whoever reads them could take over the account or read the order."""

import re
import runpy
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

SECRET_PATHS = {
    "/password-reset/confirm/MQ/cbx1qz-5d2a9c0e4b7f1a3e6d8c/": "/password-reset/confirm/***/",
    "/accounts/order-status/100023/a1b2c3:d4e5f6/": "/accounts/order-status/100023/***/",
    "/accounts/order-status-form/100023/a1b2c3/": "/accounts/order-status-form/100023/***/",
    "/catalogue/cha-you_1/": "/catalogue/cha-you_1/",  # nothing secret: as it is
}


def gunicorn_access_line(path: str) -> str:
    """The line gunicorn (deploy/gunicorn.conf.py as deployed) writes for a GET of ``path``."""
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    logger = cfg.logger_class(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?next=/",
        "PATH_INFO": path,
        "QUERY_STRING": "next=/",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("X-REQUEST-ID", "rid-1")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    return cfg.access_log_format % logger.atoms_wrapper_class(atoms)


@pytest.mark.parametrize(("path", "logged"), SECRET_PATHS.items())
def test_gunicorn_logs_secret_paths_masked(path, logged):
    line = gunicorn_access_line(path)
    assert f'"GET {logged} HTTP/1.1"' in line
    for secret in ("cbx1qz", "a1b2c3"):
        assert secret not in line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nginx_logs_secret_paths_masked(tmp_path):
    """nginx with the site's own map and log format, answering every path itself."""
    require_service(Path(NGINX).exists(), "nginx not installed (scripts/system-deps.sh)")
    site = (ROOT / "deploy" / "nginx" / "jingmeng.conf").read_text()
    mapping = re.search(r"^map \$uri .*?^}\n", site, re.S | re.M).group(0)
    log_format = re.search(r"^log_format jingmeng .*?;\n", site, re.S | re.M).group(0)
    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n{mapping}{log_format}"
        f"server {{ listen 127.0.0.1:{port}; access_log {tmp_path}/access.log jingmeng;\n"
        f"  location / {{ return 204; }} }}\n}}\n"
    )
    started = subprocess.run([NGINX, "-c", tmp_path / "nginx.conf"], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        for path in SECRET_PATHS:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?next=/", timeout=10).close()
        log = tmp_path / "access.log"
        for _ in range(50):  # nginx writes each line as the request ends
            if log.exists() and len(log.read_text().splitlines()) == len(SECRET_PATHS):
                break
            time.sleep(0.1)
        text = log.read_text()
    finally:
        subprocess.run([NGINX, "-c", tmp_path / "nginx.conf", "-s", "stop"], check=False)
    for logged in SECRET_PATHS.values():
        assert f'"GET {logged} HTTP/1.1"' in text
    assert "cbx1qz" not in text and "a1b2c3" not in text
