# Sourced by scripts/test: a throwaway PostgreSQL server for the tests, stopped when the script exits.
# Finds the server's binaries (Debian's /usr/lib/postgresql/*/bin, or initdb on PATH), else installs Debian's
# `postgresql` package when run as root with apt-get; starts a cluster in a temp folder owned by a non-root user
# (initdb refuses root), listening only on a unix socket in that folder (no port to collide with), and exports
# BOUNCEBACK_TEST_DATABASE_URL. Anything missing ends the run with one line saying what.

postgres_fail() {
  echo "scripts/test: cannot provide a PostgreSQL server for the tests: $*" >&2
  exit 1
}

postgres_bindir() {
  local found="" candidate
  # Newest major version last: sort the version folders numerically.
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      found="$candidate"
    fi
  done
  if [ -z "$found" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    found="$(dirname "$(command -v initdb)")"
  fi
  echo "$found"
}

start_postgres() {
  local bindir owner
  bindir="$(postgres_bindir)"
  if [ -z "$bindir" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing PostgreSQL (Debian's postgresql package) for the tests." >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null \
        || postgres_fail "apt-get install -y postgresql failed"
      bindir="$(postgres_bindir)"
    fi
    [ -n "$bindir" ] || postgres_fail "no initdb/pg_ctl found (install Debian's postgresql package)"
  fi
  PG_TEST_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bounceback-pg.XXXXXX")"
  owner="$(id -un)"
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to an unprivileged user.
    owner=postgres
    if ! id -u "$owner" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$owner" || postgres_fail "cannot create user $owner"
    fi
    chown "$owner" "$PG_TEST_DIR"
  fi
  PG_AS=()
  [ "$owner" = "$(id -un)" ] || PG_AS=(runuser -u "$owner" --)
  "${PG_AS[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -U bounceback -A trust -E UTF8 --locale=C --no-sync \
    >"$PG_TEST_DIR/initdb.log" 2>&1 || postgres_fail "initdb failed: $(tail -n 3 "$PG_TEST_DIR/initdb.log" | tr '\n' ' ')"
  # Durability is not what these tests check, and fsync=off makes CREATE DATABASE per test cheap.
  "${PG_AS[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $PG_TEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || postgres_fail "the server did not start: $(tail -n 3 "$PG_TEST_DIR/server.log" | tr '\n' ' ')"
  PG_TEST_BINDIR="$bindir"
  trap stop_postgres EXIT
  export BOUNCEBACK_TEST_DATABASE_URL="postgresql://bounceback@/postgres?host=$PG_TEST_DIR"
}

stop_postgres() {
  if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
    "${PG_AS[@]}" "$PG_TEST_BINDIR/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [ -z "${PG_TEST_DIR:-}" ] || rm -rf "$PG_TEST_DIR"
}
