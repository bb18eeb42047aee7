# lib-server.sh: `cairn server` for the tests that drive the cairn CLI
# against a server (t05xx). Source it after lib.sh.
#
#   server_start DIR NAME   start a server of the project DIR on a free
#                           loopback port; $TRASH/NAME.port gets the port,
#                           $TRASH/NAME.pid its pid
#   server_uri NAME         http://127.0.0.1:PORT
#   server_stop NAME        SIGTERM, wait for it to go
#   server_stop_all         every server started (call it from an EXIT trap)

server_start() {
	dir=$1
	name=$2
	base=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 + 20000 ))
	try=0
	while [ $try -lt 20 ]; do
		port=$((base + try))
		try=$((try + 1))
		(cd "$dir" && exec "$CAIRN" server --port $port) \
			>"$TRASH/$name.out" 2>"$TRASH/$name.err" &
		spid=$!
		n=0
		while [ $n -lt 500 ]; do
			if [ "$(curl -s -m 1 "http://127.0.0.1:$port/health")" = OK ]; then
				echo $port >"$TRASH/$name.port"
				echo $spid >"$TRASH/$name.pid"
				return 0
			fi
			kill -0 $spid 2>/dev/null || break
			sleep 0.01
			n=$((n + 1))
		done
		kill $spid 2>/dev/null || :
		wait $spid 2>/dev/null || :
		# Only a port in use is worth another try.
		grep -q "Address already in use" "$TRASH/$name.err" || {
			cat "$TRASH/$name.err" >&2
			return 1
		}
	done
	echo "no free port from $base" >&2
	return 1
}

server_uri() {
	echo "http://127.0.0.1:$(cat "$TRASH/$1.port")"
}

server_stop() {
	[ -f "$TRASH/$1.pid" ] || return 0
	spid=$(cat "$TRASH/$1.pid")
	rm -f "$TRASH/$1.pid"
	kill -TERM $spid 2>/dev/null || :
	n=0
	while kill -0 $spid 2>/dev/null && [ $n -lt 1000 ]; do
		sleep 0.01
		n=$((n + 1))
	done
}

server_stop_all() {
	for f in "$TRASH"/*.pid; do
		[ -f "$f" ] && server_stop "$(basename "$f" .pid)"
	done
	:
}
