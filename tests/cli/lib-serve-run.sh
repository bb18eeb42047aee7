# lib-serve-run.sh: running `cairn serve` in the serving tests (t08x0).
# Source it after lib.sh (and lib-serve.sh for the model fixtures).
#
#   serve_run DIR NAME ARGS...  start `cairn serve ARGS --port 0` in the
#                               project DIR; wait until it answers /ping;
#                               $TRASH/NAME.url gets its URL, NAME.pid its
#                               pid, NAME.err its messages
#   serve_url NAME              its URL
#   serve_stop NAME             SIGTERM; wait for it to exit; fails unless
#                               it exits 0 without a sanitizer report
#                               ($TRASH/NAME.code gets its exit status)
#   serve_stop_all              every server still running (EXIT trap)
#   serve_wait_for FILE PATTERN [SECONDS]
#                               wait until FILE has a line matching PATTERN
#   serve_post NAME PATH TYPE BODY   curl -s POST with a content type; the
#                               body on stdout, headers in $TRASH/h
#   serve_json EXPR             a Python expression over `j` (the JSON on
#                               stdin) that must be true

export CAIRN_PYTHON=/usr/bin/python3
SERVE_PY=/usr/bin/python3

serve_run() {
	dir=$1
	name=$2
	shift 2
	rm -f "$TRASH/$name.code"
	(
		cd "$dir" || exit 1
		"$CAIRN" serve --port 0 "$@" &
		echo $! >"$TRASH/$name.pid"
		wait $!
		echo $? >"$TRASH/$name.code"
	) >"$TRASH/$name.out" 2>"$TRASH/$name.err" &
	while [ ! -s "$TRASH/$name.pid" ]; do sleep 0.01; done
	n=0
	while [ $n -lt 1000 ]; do
		url=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$TRASH/$name.err" | head -1)
		if [ -n "$url" ] &&
		   [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/ping")" = 200 ]; then
			echo "$url" >"$TRASH/$name.url"
			return 0
		fi
		kill -0 "$(cat "$TRASH/$name.pid")" 2>/dev/null || break
		sleep 0.02
		n=$((n + 1))
	done
	cat "$TRASH/$name.err" >&2
	rm -f "$TRASH/$name.pid"
	return 1
}

serve_url() {
	cat "$TRASH/$1.url"
}

serve_stop() {
	[ -f "$TRASH/$1.pid" ] || return 0
	spid=$(cat "$TRASH/$1.pid")
	rm -f "$TRASH/$1.pid"
	kill -TERM "$spid" 2>/dev/null || :
	n=0
	while [ ! -s "$TRASH/$1.code" ] && [ $n -lt 1000 ]; do
		sleep 0.01
		n=$((n + 1))
	done
	code=$(cat "$TRASH/$1.code" 2>/dev/null || echo "none")
	if [ "$code" != 0 ]; then
		echo "cairn serve exited $code" >&2
		cat "$TRASH/$1.err" >&2
		return 1
	fi
	if grep -q "Sanitizer\|runtime error" "$TRASH/$1.err"; then
		cat "$TRASH/$1.err" >&2
		return 1
	fi
}

serve_stop_all() {
	for f in "$TRASH"/*.pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	sleep 0.2
	:
}

serve_wait_for() {
	n=0
	limit=$(( ${3:-10} * 50 ))
	while [ $n -lt $limit ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
		n=$((n + 1))
	done
	echo "no '$2' in $1 after ${3:-10} s:" >&2
	cat "$1" >&2
	return 1
}

serve_post() {
	curl -s -D "$TRASH/h" -H "Content-Type: $3" --data-binary "$4" \
		"$(serve_url "$1")$2"
}

serve_json() {
	$SERVE_PY -c "
import json, sys
j = json.load(sys.stdin)
ok = $1
if not ok:
    sys.exit('not true: ' + repr(j))
"
}

# serve_count NAME N [KEYS]: send N predictions over one keep-alive
# connection and print "VERSION COUNT" per version that answered (sorted),
# or "failed STATUS" lines for failed requests. With KEYS, request i
# carries the routing key "key-i" and is sent twice: a key answered by two
# versions prints "unsticky KEY".
serve_count() {
	$SERVE_PY - "$(serve_url "$1")" "$2" "${3:-}" <<'PY'
import collections, http.client, sys, urllib.parse
url, n, keys = urllib.parse.urlparse(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
body = '{"instances": [[0.5, -1.0, 0.25, 2.0]]}'
counts = collections.Counter()
for i in range(n):
    seen = set()
    for _ in range(2 if keys else 1):
        headers = {"Content-Type": "application/json"}
        if keys:
            headers["X-Cairn-Routing-Key"] = "key-%d" % i
        conn.request("POST", "/invocations", body, headers)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            counts["failed %d" % r.status] += 1
            continue
        seen.add(r.getheader("X-Cairn-Model-Version"))
    for v in seen:
        counts[v] += 1
    if len(seen) > 1:
        print("unsticky key-%d" % i)
for v, c in sorted(counts.items()):
    print(v, c)
PY
}
