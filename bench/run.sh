#!/usr/bin/env bash
# Benchmark command (issue 14): builds the release binary, and for each group size in
# BENCH_SIZES (branches; default "300") fills a fresh SQLite database — and with BENCH_PG=1 a
# fresh PostgreSQL one — with `zuofeng synth --branches N` (three campaign years of every
# record kind), serves it, and measures every page with wrk as the user who opens it.
#
# Per page: median requests/s over BENCH_RUNS runs (default 3) of BENCH_SECONDS (5) with
# BENCH_CONNS connections (32), that throughput as a ratio to the login page's (the baseline:
# the cheapest page this stack serves) measured in the same run, and the median p50 and p99.
# Then each big export alone (5 times, one at a time). Then 16 secretaries save their report
# drafts concurrently and all submit at one moment (bench/writers.py): latencies, errors, lost
# lines. Then the server's peak resident memory.
# At the end, with several sizes, each page's throughput per size side by side.
#
#   bash bench/run.sh                         # SQLite, 300 branches
#   BENCH_PG=1 BENCH_SIZES="100 300 1000" bash bench/run.sh
#   BENCH_SQLITE=0 BENCH_PG=1 bash bench/run.sh   # PostgreSQL only
#   BENCH_PAGES='dashboard|coverage' bash bench/run.sh   # only the pages named so
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zuofeng-target}"
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v bc >/dev/null || need+=(bc)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/zuofeng"
DURATION="${BENCH_SECONDS:-5}"
CONNS="${BENCH_CONNS:-32}"
RUNS="${BENCH_RUNS:-3}"
SIZES="${BENCH_SIZES:-300}"
WRITERS="${BENCH_WRITERS:-16}"
PORT="${BENCH_PORT:-18555}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
results="$work/results.tsv" # backend, size, page, req/s

# wrk's latency figure ("850.00us", "1.20ms", "2.00s") in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_backend() {
  local label=$1 url=$2 size=$3
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" synth --branches "$size" --database-url "$url" >"$work/synth.log" 2>&1
  t1=$(date +%s.%N)
  RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$url" >"$work/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  login() { # user -> cookie header
    local jar="$work/jar-$1"
    rm -f "$jar"
    local token
    token=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
    curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" --data-urlencode "username=$1" --data-urlencode "password=Synth-2026" "http://127.0.0.1:$PORT/login"
    awk '$6 ~ /zuofeng_session/ {print "Cookie: " $6 "=" $7}' "$jar"
  }
  local sec rev adm
  sec=$(login s00101); rev=$(login szz001); adm=$(login sadmin)
  local year month
  year=$(date +%Y); month=$(date +%-m)
  # The secretary's report of this month (opened, or created as a draft).
  local jar="$work/jar-s00101" token report
  token=$(curl -s -b "$jar" "http://127.0.0.1:$PORT/reports" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
  report=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode "year=$year" --data-urlencode "month=$month" "http://127.0.0.1:$PORT/reports" | sed 's#^https\?://[^/]*##')
  # 监理 (2 characters: scanned); the "4 chars" searches (合同履约, 安全生产, 监理人员) use the
  # trigram index on SQLite (FTS5) and PostgreSQL (pg_trgm).
  local q="q=%E7%9B%91%E7%90%86" # 监理
  local pages=(
    "login page (baseline)|-|/login"
    "healthz|-|/healthz"
    "home, secretary|$sec|/home"
    "home, office|$adm|/home"
    "dashboard, committee|$adm|/dashboard"
    "dashboard, general branch|$rev|/dashboard"
    "dashboard, branch|$sec|/dashboard"
    "briefing .docx, committee|$adm|/dashboard/briefing.docx"
    "coverage, office|$adm|/activities/coverage"
    "units, reviewer|$rev|/units"
    "users, office|$adm|/users"
    "users filtered, office|$adm|/users?role=secretary&q=s001"
    "measures, office|$adm|/measures"
    "measures overdue, office|$adm|/measures?light=red"
    "measures search, office|$adm|/measures?$q"
    "measures search 4 chars (FTS), office|$adm|/measures?q=%E5%90%88%E5%90%8C%E5%B1%A5%E7%BA%A6"
    "measures, secretary|$sec|/measures"
    "rect items, office|$adm|/rect/items"
    "rect items overdue, office|$adm|/rect/items?light=red"
    "rect items search, office|$adm|/rect/items?$q"
    "rect items search 4 chars (FTS), office|$adm|/rect/items?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7"
    "rect tables, reviewer|$rev|/rect"
    "reports compliance, office|$adm|/reports"
    "reports compliance last year, office|$adm|/reports?year=$((year - 1))&month=6"
    "reports, secretary|$sec|/reports"
    "report form, secretary|$sec|${report:-/reports}"
    "review queue, reviewer|$rev|/reports/queue"
    "topics, office|$adm|/topics"
    "activities, office|$adm|/activities"
    "activities trainings, office|$adm|/activities?kind=training"
    "activities, secretary|$sec|/activities"
    "roster, office|$adm|/roster"
    "roster search, office|$adm|/roster?q=%E5%BC%A0"
    "surveys, office|$adm|/surveys"
    "brands, office|$adm|/brands"
    "feedback, office|$adm|/feedback"
    "feedback search, office|$adm|/feedback?$q"
    "feedback search 4 chars (FTS), office|$adm|/feedback?q=%E7%9B%91%E7%90%86%E4%BA%BA%E5%91%98"
    "incentives, office|$adm|/incentives"
    "series, office|$adm|/incentives/series"
    "assessment ranking, office|$adm|/assessment"
    "templates, office|$adm|/templates"
    "audit, office|$adm|/audit"
    "measures export .xlsx, office|$adm|/measures/export"
    "rect items export .xlsx, office|$adm|/rect/export"
    "activities export .xlsx, office|$adm|/activities/export"
    "roster export .xlsx, office|$adm|/roster/export"
  )
  local base=""
  echo
  echo "### $label, $size branches"
  echo
  echo "synth: $(tail -n1 "$work/synth.log") ($(echo "$t1 - $t0" | bc -l | xargs printf '%.1f') s)"
  echo
  echo "| page | req/s | × login | p50 | p99 |"
  echo "|---|---|---|---|---|"
  # A page slower than wrk's run leaves requests queued in the server when wrk stops: wait
  # until the server's CPU time stops growing (at most a minute) before the next page, so no
  # page is charged for the last one's backlog.
  settle() {
    local before after
    for _ in $(seq 1 120); do
      before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
      sleep 0.5
      after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
      [ "$((after - before))" -le 2 ] && return 0
    done
    echo "warning: the server was still busy a minute after the last page" >&2
  }
  for entry in "${pages[@]}"; do
    IFS='|' read -r name cookie path <<<"$entry"
    # BENCH_PAGES: a pattern of the page names to measure (the baseline always is).
    if [ -n "$base" ] && [ -n "${BENCH_PAGES:-}" ] && ! echo "$name" | grep -qE "$BENCH_PAGES"; then
      continue
    fi
    local rps=() p50=() p99=()
    for _ in $(seq 1 "$RUNS"); do
      settle
      local out
      if [ "$cookie" = "-" ]; then
        out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
      else
        out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "$cookie" "http://127.0.0.1:$PORT$path")
      fi
      rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
      p50+=("$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)")
      p99+=("$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)")
      if echo "$out" | grep -q "Non-2xx"; then echo "warning: $path answered non-2xx" >&2; fi
    done
    local mr m50 m99
    mr=$(printf '%s\n' "${rps[@]}" | median)
    m50=$(printf '%s\n' "${p50[@]}" | median)
    m99=$(printf '%s\n' "${p99[@]}" | median)
    [ -z "$base" ] && base=$mr
    printf '| %s `%s` | %.0f | %.2f | %.2f ms | %.2f ms |\n' "$name" "$path" "$mr" "$(echo "$mr / $base" | bc -l)" "$m50" "$m99"
    printf '%s\t%s\t%s\t%s\n' "$label" "$size" "$name" "$mr" >>"$results"
  done
  echo
  settle
  # The exports one at a time (the table above runs 32 at once, queued two by two): what
  # one person waits for the file.
  echo "Exports alone (one request at a time, 5 each): median and slowest seconds, file size:"
  echo
  for path in /measures/export /rect/export /activities/export /roster/export; do
    local times=()
    for _ in 1 2 3 4 5; do
      times+=("$(curl -s -o "$work/export.xlsx" -w '%{time_total}' -H "$adm" "http://127.0.0.1:$PORT$path")")
    done
    printf '    %s: median %.3f s, slowest %.3f s, %s KB\n' "$path" \
      "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)" \
      "$(($(stat -c %s "$work/export.xlsx") / 1024))"
  done
  echo
  settle
  echo "Concurrent report writers (bench/writers.py, ${WRITERS} secretaries, 10 s of saves, then all submit at once):"
  echo
  python3 bench/writers.py "http://127.0.0.1:$PORT" Synth-2026 10 "$WRITERS" 2>&1 | sed 's/^/    /' || true
  echo
  echo "Server peak resident memory (VmHWM): $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "Machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u '+%Y-%m-%d %H:%M') UTC"
echo "wrk -t2 -c$CONNS -d${DURATION}s, $RUNS runs per page (medians); server and wrk share the machine."
for size in $SIZES; do
  if [ "${BENCH_SQLITE:-1}" = "1" ]; then
    bench_backend "SQLite" "sqlite://$work/bench-$size.db" "$size"
  fi
  if [ "${BENCH_PG:-0}" = "1" ]; then
    db="zuofeng_bench_$$_$size"
    psql -q -h 127.0.0.1 -c "CREATE DATABASE $db" postgres
    bench_backend "PostgreSQL" "postgres://root@127.0.0.1/$db?sslmode=disable" "$size"
    psql -q -h 127.0.0.1 -c "DROP DATABASE $db WITH (FORCE)" postgres
  fi
done

# How each page's throughput grows with the group: req/s per size, and the last size's
# cost (1/req/s) relative to the first.
if [ "$(echo "$SIZES" | wc -w)" -gt 1 ]; then
  for label in $(cut -f1 "$results" | sort -u); do
    echo
    echo "### $label: req/s by group size"
    echo
    printf '| page |'; for s in $SIZES; do printf ' %s |' "$s"; done; printf ' cost %s→%s |\n' "$(echo $SIZES | awk '{print $1}')" "$(echo $SIZES | awk '{print $NF}')"
    printf '|---|'; for _ in $SIZES; do printf -- '---|'; done; printf -- '---|\n'
    awk -F'\t' -v L="$label" '$1==L {print $3}' "$results" | awk '!seen[$0]++' | while read -r page; do
      printf '| %s |' "$page"
      first=""; last=""
      for s in $SIZES; do
        v=$(awk -F'\t' -v L="$label" -v S="$s" -v P="$page" '$1==L && $2==S && $3==P {print $4}' "$results")
        printf ' %.0f |' "$v"
        [ -z "$first" ] && first=$v
        last=$v
      done
      if [ "${last%.*}" = "0" ] || [ -z "$last" ]; then printf ' — |\n'; else printf ' %.2f× |\n' "$(echo "$first / $last" | bc -l)"; fi
    done
  done
fi
