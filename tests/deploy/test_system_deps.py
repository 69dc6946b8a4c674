"""scripts/system-deps.sh (run by `make run` and `make test`) waits for another package manager
that holds apt's lock, saying so, instead of failing at once (a fresh cloud machine's unattended
upgrades hold it in its first minutes)."""

import fcntl
import os
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps.sh"
CEILING = 120  # seconds: generous, CI machines are busy; each wait ends on the event itself


def read_until(process, text, seconds=CEILING):
    """Lines the script printed, up to the one containing ``text``."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never printed; got {seen}")


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the script installs only as root (else it says what to install)"
)
def test_it_waits_for_apt_s_lock_then_installs(tmp_path):
    lock = tmp_path / "lock-frontend"
    lock.write_text("")
    calls = tmp_path / "calls"
    apt_get = tmp_path / "apt-get"
    apt_get.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    apt_get.chmod(0o755)
    holder = os.open(lock, os.O_RDWR)
    fcntl.lockf(holder, fcntl.LOCK_EX)  # another "apt-get" holds the lock
    process = subprocess.Popen(  # noqa: S603
        ["bash", str(SCRIPT)],
        env={
            **os.environ,
            "SYSTEM_DEPS_EXTRA": "jingmeng-test-package",
            "APT_GET": str(apt_get),
            "APT_LOCKS": str(lock),
            "POLICY_RC_D": str(tmp_path / "policy-rc.d"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        read_until(process, "waiting for it to finish")
        assert not calls.exists()  # nothing installed while the lock is held
        assert process.poll() is None  # and it has not given up
    finally:
        os.close(holder)  # the other package manager is done
    rest = process.communicate(timeout=CEILING)[0]
    assert process.returncode == 0, rest
    [install] = calls.read_text().splitlines()
    assert install.endswith("install -y -q --no-install-recommends jingmeng-test-package")
    assert "DPkg::Lock::Timeout=" in install  # apt-get also waits, should the lock come back
    assert not (tmp_path / "policy-rc.d").exists()  # its own policy file removed afterwards
