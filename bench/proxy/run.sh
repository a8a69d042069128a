#!/bin/bash
# Side-by-side proxy benchmark (issue 4): direct vs nginx (proxy_buffering off) vs HAProxy
# (option http-no-delay) vs tracetune proxy (capture on), same upstream, same run.
#   bench/proxy/run.sh [BUILD_DIR]     (env: WRK_DUR=10 SSE_WARM=2 SSE_DUR=8 REPS=1 CONFIGS=...)
# CONFIGS may also name tracetune-nobodies: capture on with --redact bodies, so that its RSS
# growth per stream leaves out the captured bodies, as issue 4's memory target does.
# Installs nginx, haproxy and wrk with apt-get when missing (needs root). Prints markdown tables.
# A proxy's CPU for a phase is read once it is idle again, so that tracetune's capture writer
# catching up after the client stopped counts for the phase that queued the work.
set -eu
BUILD=$(realpath "${1:-build}")
WRK_DUR=${WRK_DUR:-10}
SSE_WARM=${SSE_WARM:-2}
SSE_DUR=${SSE_DUR:-8}
REPS=${REPS:-1}
CONFIGS=${CONFIGS:-direct,nginx,haproxy-nd,tracetune}
UP=18080
PX=18180
RUN=$(mktemp -d /tmp/tt-proxy-bench-XXXXXX)

if ! command -v nginx >/dev/null || ! command -v haproxy >/dev/null || ! command -v wrk >/dev/null; then
  apt-get install -y --no-install-recommends nginx-light haproxy wrk >/dev/null
fi
cmake --build "$BUILD" --target tracetune proxy_bench_upstream proxy_sse_client -j2 >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # 1,000 streams need ~2,100 descriptors

UPID=""
PID=""
cleanup() {
  if [ -f "$RUN/nginx.pid" ]; then kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi
  if [ -n "$UPID" ]; then kill "$UPID" 2>/dev/null || true; fi
  rm -rf "$RUN"
}
trap cleanup EXIT

cat > "$RUN/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"inputs":"What is Deep Learning? Explain it to me like I am five, with examples.","parameters":{"max_new_tokens":10,"temperature":0.7,"top_p":0.95,"details":true}}'
wrk.headers["Content-Type"] = "application/json"
LUA
cat > "$RUN/nginx.conf" <<NGINX
worker_processes 1;
worker_rlimit_nofile 65536;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log;
events { worker_connections 16384; }
http {
  access_log off;
  upstream up { server 127.0.0.1:$UP; keepalive 256; }
  server {
    listen 127.0.0.1:$PX backlog=4096;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
NGINX
cat > "$RUN/haproxy.cfg" <<HAPROXY
global
  maxconn 8000
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  option http-no-delay
frontend f
  bind 127.0.0.1:$PX
  default_backend b
backend b
  server s1 127.0.0.1:$UP maxconn 8000
HAPROXY

cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
# The event-loop thread alone (tracetune: forwarding without the capture writer thread).
loop_cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/task/$1/stat"; }
# Waits (up to 30 s) until the process stops using CPU: tracetune's capture writer may still be
# inserting the rows of a run when the client ends, and that work belongs to the run.
settle() {
  local prev next
  prev=$(cpu_of "$1")
  for _ in $(seq 1 100); do
    sleep 0.3
    next=$(cpu_of "$1")
    [ "$next" = "$prev" ] && return
    prev=$next
  done
}
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/VmHWM/{print $2}' "/proc/$1/status"; }

start_proxy() { # sets PID (the process that proxies) and PORT
  case "$1" in
    direct) PID=""; PORT=$UP ;;
    nginx)
      nginx -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
      sleep 0.5
      PID=$(pgrep -P "$(cat "$RUN/nginx.pid")" | head -1); PORT=$PX ;;
    haproxy-nd)
      haproxy -f "$RUN/haproxy.cfg" -db >/dev/null 2>&1 &
      PID=$!; sleep 0.5; PORT=$PX ;;
    tracetune | tracetune-nobodies)
      local redact=none
      [ "$1" = tracetune-nobodies ] && redact=bodies
      rm -f "$RUN/capture.db"*
      "$BUILD/tracetune" proxy --listen 127.0.0.1:$PX --upstream http://127.0.0.1:$UP \
        --db "$RUN/capture.db" --label bench --scrape-interval 0 --redact $redact \
        2>"$RUN/$1.log" &
      PID=$!; sleep 0.5; PORT=$PX ;;
  esac
}
stop_proxy() {
  case "$1" in
    direct) ;;
    nginx) kill "$(cat "$RUN/nginx.pid")"; rm -f "$RUN/nginx.pid"; sleep 0.5 ;;
    *) kill "$PID"; wait "$PID" 2>/dev/null || true ;;
  esac
  PID=""
}

"$BUILD/bench/proxy/proxy_bench_upstream" $UP 64 20 &
UPID=$!
sleep 0.3
kill -0 "$UPID" || { echo "bench upstream did not start (port $UP busy?)" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "versions: $(nginx -v 2>&1), $(haproxy -v | head -1 | cut -d' ' -f1-3)"
echo
echo "| rep | config | small req/s | p50 | p99 | CPU µs/req (loop thread) | C=100 ev/s | delay p50 µs | p99 µs | CPU µs/event | C=1000 ev/s | delay p50 µs | p99 µs | CPU µs/event | RSS idle MiB | RSS growth KiB/stream | peak RSS MiB | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for rep in $(seq 1 "$REPS"); do
  for cfg in ${CONFIGS//,/ }; do
    start_proxy "$cfg"
    c0=0; l0=0; [ -n "$PID" ] && c0=$(cpu_of "$PID") && l0=$(loop_cpu_of "$PID")
    out=$(wrk -t1 -c64 -d"${WRK_DUR}s" --latency -s "$RUN/post.lua" "http://127.0.0.1:$PORT/generate")
    rps=$(echo "$out" | awk '/Requests\/sec/{printf "%.0f", $2}')
    reqs=$(echo "$out" | awk '/requests in/{print $1}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/{printf "%s ", $0}')
    cpu_req="-"; idle="-"
    if [ -n "$PID" ]; then
      settle "$PID"
      c1=$(cpu_of "$PID"); l1=$(loop_cpu_of "$PID")
      cpu_req=$(awk -v a="$c0" -v b="$c1" -v x="$l0" -v y="$l1" -v n="$reqs" 'BEGIN{printf "%.1f (%.1f)", (b-a)*1e6/n, (y-x)*1e6/n}')
    fi
    row="| $rep | $cfg | $rps | $p50 | $p99 | $cpu_req"
    rm -f "$RUN/rss_mid"
    for c in 100 1000; do
      if [ -n "$PID" ] && [ "$c" = 1000 ]; then
        # A fresh proxy, so that RSS growth per stream is not mixed with earlier backlogs.
        stop_proxy "$cfg"; start_proxy "$cfg"
        idle=$(awk -v k="$(rss_kib "$PID")" 'BEGIN{printf "%.1f", k/1024}')
      fi
      c0=0; [ -n "$PID" ] && c0=$(cpu_of "$PID")
      if [ -n "$PID" ] && [ "$c" = 1000 ]; then
        ( sleep "$(awk -v w="$SSE_WARM" -v d="$SSE_DUR" 'BEGIN{print w+d/2}')"; rss_kib "$PID" > "$RUN/rss_mid" ) &
      fi
      res=$("$BUILD/bench/proxy/proxy_sse_client" "$PORT" /generate_stream "$c" "$SSE_WARM" "$SSE_DUR")
      read -r events eps d50 d99 d999 dmax streams serr <<<"$res"
      cpu_ev="-"
      if [ -n "$PID" ]; then
        # CPU over the whole client run (warm-up included) per event over the whole run.
        settle "$PID"
        c1=$(cpu_of "$PID"); cpu_ev=$(awk -v a="$c0" -v b="$c1" -v n="$events" -v w="$SSE_WARM" -v d="$SSE_DUR" 'BEGIN{printf "%.1f", (b-a)*1e6/(n*(w+d)/d)}')
      fi
      row="$row | $eps | $d50 | $d99 | $cpu_ev"
      [ "$serr" != 0 ] && errs="$errs sse-c$c errors=$serr"
    done
    if [ -n "$PID" ]; then
      sleep 0.2
      mid=$(cat "$RUN/rss_mid" 2>/dev/null || echo 0)
      growth=$(awk -v m="$mid" -v i="$idle" 'BEGIN{printf "%.1f", (m - i*1024)/1000}')
      peak=$(awk -v k="$(hwm_kib "$PID")" 'BEGIN{printf "%.1f", k/1024}')
      row="$row | $idle | $growth | $peak | ${errs:-0} |"
    else
      row="$row | - | - | - | ${errs:-0} |"
    fi
    stop_proxy "$cfg"
    echo "$row"
  done
done
for log in "$RUN"/tracetune*.log; do
  [ -f "$log" ] && printf '\n%s: %s\n' "$(basename "$log" .log)" "$(tail -1 "$log")"
done
