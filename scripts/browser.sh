#!/usr/bin/env bash
# Debian's chromium for the class-report browser test (tests/grading/test_class_report_browser.py).
# The test drives /usr/bin/chromium with playwright's Python package; no browser is ever downloaded
# from anywhere but the Debian archive. Installs only when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
run_as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive run_as_root apt-get install -y --no-install-recommends chromium
