#!/usr/bin/env bash
# What the browser test of the app (tests/test_app_browser.py) needs beyond Python:
# Debian's Chromium (Playwright cannot download its own browser here) and a CJK font, so
# the page's Chinese labels render in screenshots. Run by ./run-tests (as root in CI);
# installs only what is missing, and says nothing when all is there.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    missing+=(fonts-wqy-microhei)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser: ${missing[*]} missing; install as root (apt-get install -y ${missing[*]})," \
         "or the browser test of the app is skipped outside CI" >&2
    exit 0
fi
echo "setup-browser: installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup-browser: installing ${missing[*]} failed" >&2
    exit 1
fi
rm -f "$log"
