#!/usr/bin/env bash
# Debian packages the project needs: TeX for exam PDFs, poppler for tests that read them, bubblewrap
# for the lab grader's jail, chromium (and its WebDriver, for Selenium) for the tests that drive the
# practice app and render pages, postgresql for a class's progress store (the tests start their own
# throwaway server with its initdb; the package's `postgres` user runs it when the tests run as root).
# Installs only what is missing.
set -euo pipefail
PACKAGES=(texlive-latex-base texlive-latex-extra texlive-fonts-recommended latexmk poppler-utils bubblewrap chromium chromium-driver fonts-dejavu-core texlive-luatex fonts-cmu fonts-noto-core fonts-noto-cjk postgresql)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
