#!/usr/bin/env bash
# System packages the project needs beyond PyPI, from Debian's archive:
#   chromium           headless browser for the real-browser tests (Playwright drives it)
#   fonts-wqy-microhei CJK font for the generated product pictures (and, later, PDFs)
#   gettext            msgfmt, to compile translations (compiled .mo files are committed too)
#   poppler-utils      pdftotext, with which the tests read the packing-list PDFs back
#   nginx-light        nginx, with which the tests check deploy/nginx/jingmeng.conf (nginx -t);
#                      installed without starting its service
# Installs what is missing when run as root on Debian/Ubuntu; otherwise says what to install.
set -u
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# SYSTEM_DEPS_EXTRA: more packages to make sure of (space-separated); APT_GET and APT_LOCKS
# replace apt-get and the lock files it takes, POLICY_RC_D the policy file (the tests use them).
for extra in ${SYSTEM_DEPS_EXTRA:-}; do need+=("$extra"); done
[ ${#need[@]} -eq 0 ] && exit 0
APT_GET=${APT_GET:-apt-get}
APT_LOCKS=${APT_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock}
LOCK_WAIT_SECONDS=${LOCK_WAIT_SECONDS:-900}

# Another apt-get or dpkg (on a fresh cloud machine, unattended-upgrades in its first minutes)
# holds apt's lock: wait for it, saying so, instead of failing. dpkg's locks are fcntl locks,
# tested by taking them for a moment.
lock_held() {
    python3 - "$@" <<'PY'
import fcntl, os, sys
for path in sys.argv[1:]:
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        continue  # not there, or not ours to open: nothing to wait for
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(0)  # held by someone else
    finally:
        os.close(fd)
sys.exit(1)
PY
}

wait_for_apt_lock() {
    local waited=0
    while lock_held $APT_LOCKS; do
        if [ $waited -eq 0 ]; then
            echo "Another package manager (apt-get, dpkg or unattended-upgrades) holds apt's lock;"
            echo "waiting for it to finish (up to ${LOCK_WAIT_SECONDS} s)..."
        elif [ $((waited % 30)) -eq 0 ]; then
            echo "  still waiting for apt's lock (${waited} s)"
        fi
        if [ $waited -ge "$LOCK_WAIT_SECONDS" ]; then
            echo "apt's lock is still held after ${waited} s; install by hand:" \
                "sudo apt-get install ${need[*]}" >&2
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

if [ "$(id -u)" = "0" ] && command -v "$APT_GET" >/dev/null 2>&1; then
    echo "Installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages with a service (nginx) must not start it here: policy-rc.d says no, for this run.
    policy=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    # apt-get waits for the lock itself too (DPkg::Lock::Timeout), should it be taken between
    # the check and the call
    apt=("$APT_GET" -o "DPkg::Lock::Timeout=$LOCK_WAIT_SECONDS")
    wait_for_apt_lock
    "${apt[@]}" install -y -q --no-install-recommends "${need[@]}" >/tmp/jingmeng-apt.log 2>&1 || {
        wait_for_apt_lock
        "${apt[@]}" update -q >>/tmp/jingmeng-apt.log 2>&1
        wait_for_apt_lock
        "${apt[@]}" install -y -q --no-install-recommends "${need[@]}" >>/tmp/jingmeng-apt.log 2>&1
    } || { echo "apt-get failed; see /tmp/jingmeng-apt.log" >&2; exit 1; }
else
    echo "Note: missing system packages: ${need[*]}" >&2
    echo "      install them with: sudo apt-get install ${need[*]}" >&2
    echo "      (browser tests are skipped without chromium; pictures fall back to pinyin)" >&2
fi
