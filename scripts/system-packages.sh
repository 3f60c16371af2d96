#!/bin/sh
# Debian packages the platform needs beyond Python: a CJK font and the PDF engine's libraries for Chinese
# reports, poppler for checking PDFs, Chromium for browser tests and chart export.
# Installs what is missing when it can (root, or sudo without a password); otherwise says what to run.
# Never fails: the platform starts without them, and the features that need them say what is missing.
PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium"

command -v dpkg-query >/dev/null 2>&1 || { echo "system-packages: not a Debian system; install the equivalents of: $PACKAGES"; exit 0; }

missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "system-packages: missing:$missing"
  echo "  run once, as root:  apt-get update && apt-get install -y$missing"
  exit 0
fi
echo "system-packages: installing$missing"
if ! { $as_root apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q$missing >/dev/null; }; then
  echo "system-packages: could not install$missing; run: apt-get update && apt-get install -y$missing"
fi
exit 0
