#!/usr/bin/env bash
# promtool for the Prometheus exposition checks (tests/Durex.Prometheus.Tests). SOURCED by eng/test.sh; also usable by
# hand: `source eng/services/promtool.sh`. Exports DUREX_PROMTOOL when promtool is available, installing the Debian
# package `prometheus` (which ships it) when we are root. Never fails the run: without promtool the checks skip, or fail
# with a clear message under CI=true.

durex_promtool_find() {
  if [ -n "${DUREX_PROMTOOL:-}" ]; then
    echo "promtool: using DUREX_PROMTOOL from the environment" >&2
    return 0
  fi

  if ! command -v promtool >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "promtool: installing prometheus with apt-get" >&2
    local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus)
    "${install[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && "${install[@]}" >/dev/null 2>&1; } ||
      echo "promtool: apt-get install prometheus failed" >&2
  fi

  if command -v promtool >/dev/null 2>&1; then
    export DUREX_PROMTOOL
    DUREX_PROMTOOL=$(command -v promtool)
    echo "promtool: DUREX_PROMTOOL=$DUREX_PROMTOOL" >&2
  else
    echo "promtool: not available; the Prometheus exposition checks will skip (or fail under CI=true)" >&2
  fi
}

durex_promtool_find
return 0 2>/dev/null || true
