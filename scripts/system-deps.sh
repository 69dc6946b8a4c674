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
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages with a service (nginx) must not start it here: policy-rc.d says no, for this run.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -q --no-install-recommends "${need[@]}" >/tmp/jingmeng-apt.log 2>&1 || {
        apt-get update -q >>/tmp/jingmeng-apt.log 2>&1
        apt-get install -y -q --no-install-recommends "${need[@]}" >>/tmp/jingmeng-apt.log 2>&1
    } || { echo "apt-get failed; see /tmp/jingmeng-apt.log" >&2; exit 1; }
else
    echo "Note: missing system packages: ${need[*]}" >&2
    echo "      install them with: sudo apt-get install ${need[*]}" >&2
    echo "      (browser tests are skipped without chromium; pictures fall back to pinyin)" >&2
fi
