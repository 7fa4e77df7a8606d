#!/bin/sh
# What the tests use besides npm packages: Debian's Chromium (the end-to-end
# specs drive it; PHOTOCAP_CHROMIUM names another), exiftool (reads the XMP
# sidecars we write back, and is the reference the real-file tests compare
# with) and Pillow for python3 (the other reference: pillow-crosscheck.test.ts).
# Installs only what is missing, so it is quick and
# asks for nothing on a machine that has both.
#
# Works on a fresh Debian/Ubuntu both as root (a CI container, which has no
# sudo) and as a user with sudo. `apt-get update` comes first: a fresh machine
# has no package lists, and `apt-get install` fails without them.
set -eu

missing=""
[ -x "${PHOTOCAP_CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v exiftool >/dev/null 2>&1 || missing="$missing libimage-exiftool-perl"
/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1 || missing="$missing python3-pil"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-tools: missing:$missing. This script installs them with apt-get (Debian/Ubuntu);" >&2
  echo "elsewhere install Chromium, exiftool and Pillow yourself (PHOTOCAP_CHROMIUM=path names the browser)." >&2
  echo "Until then the tests that need them skip and say so." >&2
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "install-test-tools: missing:$missing, and installing needs root: run as root, or install sudo" >&2
  exit 1
fi

echo "install-test-tools: installing$missing" >&2
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
