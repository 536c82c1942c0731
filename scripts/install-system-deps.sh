#!/usr/bin/env bash
# Debian packages the project needs (none yet for the bank and checker; TeX and bubblewrap join
# here with the exam builder and the lab grader). Installs only what is missing.
set -euo pipefail
PACKAGES=()
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
