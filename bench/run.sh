#!/usr/bin/env bash
# Benchmark command: builds the release binary, fills a fresh SQLite database (and, with
# BENCH_PG=1, a fresh PostgreSQL one) with `zuofeng synth` (300 branches, 6,000 measures,
# 1,500 items), serves it, and measures pages with wrk as the users who open them.
# Prints a markdown table: median requests/s and median p50 latency over 3 runs per page, and
# each page's p50 as a ratio to the /healthz baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zuofeng-target}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/zuofeng"
DURATION="${BENCH_SECONDS:-5}"
PORT="${BENCH_PORT:-18555}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

bench_backend() {
  local label=$1 url=$2
  "$BIN" synth --database-url "$url" >/dev/null
  RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$url" >"$work/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  login() { # user -> cookie header
    local jar="$work/jar-$1"
    local token
    token=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
    curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" --data-urlencode "username=$1" --data-urlencode "password=Synth-2026" "http://127.0.0.1:$PORT/login"
    awk '$6 ~ /zuofeng_session/ {print "Cookie: " $6 "=" $7}' "$jar"
  }
  local sec rev adm
  sec=$(login s00101); rev=$(login szz001); adm=$(login sadmin)
  # The secretary opens this month's draft report (pre-filled with her open measures and items).
  local jar="$work/jar-s00101" token draft
  token=$(curl -s -b "$jar" "http://127.0.0.1:$PORT/reports" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
  draft=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode "year=$(date +%Y)" --data-urlencode "month=$(date +%-m)" "http://127.0.0.1:$PORT/reports" | sed 's#^https\?://[^/]*##')
  local pages=(
    "healthz|-|/healthz"
    "login page (anonymous)|-|/login"
    "home, secretary|$sec|/home"
    "home, office|$adm|/home"
    "units, reviewer|$rev|/units"
    "users list, office|$adm|/users"
    "users filtered, office|$adm|/users?role=secretary&q=s001"
    "campaign year, office|$adm|/campaigns/$(date +%Y)"
    "measures list, office (all 6,000)|$adm|/measures"
    "measures, overdue filter, office|$adm|/measures?light=red"
    "measures, text search, office|$adm|/measures?q=%E7%9B%91%E7%90%86"
    "measures list, secretary|$sec|/measures"
    "rectification items, office|$adm|/rect/items"
    "配档表 list, reviewer|$rev|/rect"
    "monthly report compliance, office (300 branches)|$adm|/reports"
    "monthly report page, secretary|$sec|/reports"
    "monthly report draft (form), secretary|$sec|${draft:-/reports}"
    "measures export .xlsx, office (6,000 rows)|$adm|/measures/export"
  )
  local base=""
  echo
  echo "### $label"
  echo
  echo "| page | req/s (median) | p50 latency (median) | p50 vs /healthz |"
  echo "|---|---|---|---|"
  for entry in "${pages[@]}"; do
    IFS='|' read -r name cookie path <<<"$entry"
    local rps=() p50=()
    for _ in 1 2 3; do
      local out
      if [ "$cookie" = "-" ]; then
        out=$(wrk -t2 -c8 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
      else
        out=$(wrk -t2 -c8 -d"${DURATION}s" --latency -H "$cookie" "http://127.0.0.1:$PORT$path")
      fi
      rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
      p50+=("$(echo "$out" | awk '$1=="50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')")
      if echo "$out" | grep -q "Non-2xx"; then echo "warning: $path answered non-2xx" >&2; fi
    done
    local mr mp
    mr=$(printf '%s\n' "${rps[@]}" | sort -n | sed -n 2p)
    mp=$(printf '%s\n' "${p50[@]}" | sort -n | sed -n 2p)
    [ -z "$base" ] && base=$mp
    printf '| %s `%s` | %.0f | %.2f ms | %.1f× |\n' "$name" "$path" "$mr" "$mp" "$(echo "$mp / $base" | bc -l)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "Machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
echo "wrk -t2 -c8 -d${DURATION}s, 3 runs per page; server and wrk share the machine."
bench_backend "SQLite" "sqlite://$work/bench.db"
if [ "${BENCH_PG:-0}" = "1" ]; then
  db="zuofeng_bench_$$"
  psql -q -h 127.0.0.1 -c "CREATE DATABASE $db" postgres
  bench_backend "PostgreSQL" "postgres://root@127.0.0.1/$db?sslmode=disable"
  psql -q -h 127.0.0.1 -c "DROP DATABASE $db WITH (FORCE)" postgres
fi
