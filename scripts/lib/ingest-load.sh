# The load of the submit path, shared by scripts/bench-ingest and scripts/profile-ingest: a fresh
# database, `minyi serve` on it, signed forms for wrk to post, and the count of stored responses.
# Source it with these set: root (the repository), minyi (the binary), secs (how long wrk runs),
# postgres (a PostgreSQL server URL, or empty for a SQLite file), bind (address to serve on).
# It sets work (a temporary directory, removed on exit with the database and the server), pid
# (the server's), survey, backend, and exports DATABASE_URL and the server's settings.
# SURVEY_FILE=FILE serves that survey file alone instead of the example survey, e.g.
# scripts/lib/reference-form.toml, the seven fields the reference's form posts.

work=$(mktemp -d)
pid=""
dbname=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$dbname" ] && psql -q "${postgres%%\?*}" -c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "$postgres" ]; then
  dbname=minyi_load_$$
  psql -q "${postgres%%\?*}" -c "CREATE DATABASE $dbname" >/dev/null
  # The server's URL with the fresh database's name in place of its own, query kept.
  pg_base=${postgres%%\?*}
  pg_query=${postgres#"$pg_base"}
  export DATABASE_URL="${pg_base%/*}/$dbname$pg_query"
  backend=PostgreSQL
else
  export DATABASE_URL="sqlite://$work/minyi.db"
  backend=SQLite
fi
surveys_dir=$root/surveys
survey=jiaxing-food-safety-2016
if [ -n "${SURVEY_FILE:-}" ]; then
  surveys_dir=$work/surveys
  mkdir -p "$surveys_dir"
  cp "$SURVEY_FILE" "$surveys_dir/"
  survey=$(sed -n 's/^id = "\(.*\)"$/\1/p' "$SURVEY_FILE" | head -n 1)
fi
export MINYI_BIND=$bind MINYI_SURVEYS_DIR=$surveys_dir MINYI_LOG=${MINYI_LOG:-warn}
export MINYI_RATE_LIMIT=0   # every request comes from 127.0.0.1

# Starts the server, its output to $1, and waits until it answers /healthz.
start_minyi() {
  "$minyi" serve >"$1" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://$MINYI_BIND/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://$MINYI_BIND/healthz" >/dev/null || { cat "$1" >&2; exit 1; }
}

# Writes signed, varied, valid forms to $work/forms.txt: enough that none is posted twice even
# at 30k a second, so every 303 is a new response.
write_forms() {
  "$minyi" forms "$survey" --count $((secs * 30000)) --out "$work/forms.txt" >&2
}

# The number of responses stored so far.
responses() {
  "$minyi" survey status "$survey" --json | sed 's/.*"responses":\([0-9]*\).*/\1/'
}

# Posts the forms from $1 connections for $secs seconds with wrk's two threads and prints its
# summary lines (requests, statuses >= 400, socket errors, seconds, p50 and p99).
post_forms() {
  FORMS="$work/forms.txt" SUBMIT_PATH="/s/$survey" WRK_THREADS=2 \
    wrk -t2 -c"$1" -d"${secs}s" -s "$root/scripts/bench-ingest.lua" "http://$MINYI_BIND" \
    | grep -E '^(requests|other_status|socket_errors|socket_error_kinds|seconds|p50_ms|p99_ms|max_ms) '
}
