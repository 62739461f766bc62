#!/usr/bin/env bash
# Headless Chromium + playwright-core for the dashboard's browser tests (tests/Durex.Dashboard.Browser.Tests). SOURCED
# by eng/test.sh; also usable by hand: `source eng/services/browser.sh`. Installs Debian's `chromium` with apt-get when
# /usr/bin/chromium is missing and we are root (nothing is downloaded by Playwright: the tests launch this executable),
# runs `npm ci` in the tests' browser/ folder when its node_modules is missing or older than package-lock.json, and
# exports DUREX_CHROMIUM and DUREX_BROWSER_TESTS_DIR. Quick when everything is present (no apt, no npm). Never fails
# the run: without a browser the tests skip, or fail with a clear message under CI=true.
#
# Measured on this kind of machine (2 cores, Debian 12, the mirrors): a fresh `apt-get install chromium` took 37 s
# (115 new packages, 155 MB downloaded; `apt-get update` first adds about 1 s with fresh lists), `npm ci` with an
# empty npm cache 1.4 s (playwright-core only, 14 MB unpacked), and this script 0.05 s when both are present.

durex_browser_setup() {
  local root dir chromium=/usr/bin/chromium
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  dir="$root/tests/Durex.Dashboard.Browser.Tests/browser"

  if [ -n "${DUREX_CHROMIUM:-}" ]; then
    echo "browser: using DUREX_CHROMIUM=$DUREX_CHROMIUM from the environment" >&2
    chromium=$DUREX_CHROMIUM
  elif [ ! -x "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser: installing chromium with apt-get" >&2
    local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)
    "${install[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && "${install[@]}" >/dev/null 2>&1; } ||
      echo "browser: apt-get install chromium failed" >&2
  fi
  if [ ! -x "$chromium" ]; then
    echo "browser: no Chromium at $chromium; the browser tests will skip (or fail under CI=true)" >&2
    return 0
  fi

  if ! command -v npm >/dev/null 2>&1; then
    echo "browser: npm is not on PATH; the browser tests will skip (or fail under CI=true)" >&2
    return 0
  fi
  local marker="$dir/node_modules/.package-lock.json"
  if [ ! -f "$dir/node_modules/playwright-core/package.json" ] || [ ! -f "$marker" ] || [ "$dir/package-lock.json" -nt "$marker" ]; then
    echo "browser: npm ci in ${dir#"$root"/}" >&2
    if [ -f "$dir/package-lock.json" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "browser: npm ci failed" >&2; return 0; }
    else
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || { echo "browser: npm install failed" >&2; return 0; }
    fi
  fi

  export DUREX_CHROMIUM=$chromium DUREX_BROWSER_TESTS_DIR=$dir
  echo "browser: DUREX_CHROMIUM=$DUREX_CHROMIUM ($("$chromium" --version 2>/dev/null | head -n1)), DUREX_BROWSER_TESTS_DIR=$DUREX_BROWSER_TESTS_DIR" >&2
}

durex_browser_setup
return 0 2>/dev/null || true
