#!/usr/bin/env bash
# Throwaway PostgreSQL for the test suites. SOURCED by eng/test.sh (which defines the `cleanups` array and runs it on
# EXIT); also usable by hand in a development shell:
#
#   source eng/services/postgres.sh      # starts a server, exports DUREX_POSTGRES
#   dotnet test tests/Durex.PostgreSql.Tests
#   durex_postgres_stop                  # or just exit the shell... the server keeps running until stopped
#
# If DUREX_POSTGRES is already set, that server is used and nothing is started. On failure the script returns 1.

durex_postgres_start() {
  if [ -n "${DUREX_POSTGRES:-}" ]; then
    echo "postgres: using DUREX_POSTGRES from the environment" >&2
    return 0
  fi

  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "postgres: installing postgresql with apt-get" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >/dev/null 2>&1 || {
        echo "postgres: apt-get install postgresql failed" >&2
        return 1
      }
      bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    fi
  fi
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres: no PostgreSQL binaries in /usr/lib/postgresql/*/bin" >&2
    return 1
  fi

  # PostgreSQL refuses to run as root: run it as the postgres user (or as ourselves when we are not root).
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
    run=(runuser -u postgres --)
  fi

  local dir
  dir=$(mktemp -d /tmp/durex-postgres.XXXXXX) || return 1
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"

  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)
  if [ -z "$port" ]; then
    port=$((20000 + RANDOM % 20000))
  fi

  if ! "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust --no-locale -E UTF8 -U postgres >"$dir/initdb.log" 2>&1; then
    echo "postgres: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  fi

  local options="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements"
  if ! "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null 2>&1; then
    echo "postgres: the server did not start:" >&2
    cat "$dir/server.log" >&2
    rm -rf "$dir"
    return 1
  fi

  export DUREX_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  export DUREX_POSTGRES_DIR="$dir"
  local stop="${run[*]} $bin/pg_ctl -D $dir/data stop -m immediate >/dev/null 2>&1; rm -rf $dir"
  # eng/test.sh runs `cleanups` on exit; a hand-sourced shell gets durex_postgres_stop.
  if declare -p cleanups >/dev/null 2>&1; then
    cleanups+=("$stop")
  fi
  eval "durex_postgres_stop() { $stop; unset DUREX_POSTGRES DUREX_POSTGRES_DIR; }"
  echo "postgres: started on port $port (data in $dir); DUREX_POSTGRES=$DUREX_POSTGRES" >&2
}

durex_postgres_start || return 1
