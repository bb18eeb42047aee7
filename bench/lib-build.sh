# lib-build.sh: the build step shared by the benchmark scripts written in
# bash (server.sh, serve.sh), sourced after they define root, logf, log
# and die.
#
# bench_build TARGET [PROGRAM]
#     TARGET is a cairn binary, or a build directory that is configured
#     (Release) and built when it has none. Sets cairn to the binary and
#     bench_dir to its directory; with PROGRAM (a CMake target of a
#     benchmark program, e.g. tracking-bench), builds it there too unless
#     it is already built.
bench_build() {
	if [ -f "$1" ] && [ -x "$1" ]; then
		cairn=$1
		bench_dir=$(dirname "$1")
	else
		bench_dir=$1
		if [ ! -x "$bench_dir/cairn" ]; then
			log "configuring and building $bench_dir (Release)"
			if ! cmake -S "$root" -B "$bench_dir" -DCMAKE_BUILD_TYPE=Release >>"$logf" 2>&1 ||
				! cmake --build "$bench_dir" -j2 --target cairn-cli >>"$logf" 2>&1; then
				die "the build failed (see $logf)"
			fi
		fi
		cairn=$bench_dir/cairn
	fi
	[ -x "$cairn" ] || die "no cairn binary at '$cairn'"
	[ -n "${2:-}" ] && [ ! -x "$bench_dir/$2" ] || return 0
	[ -f "$bench_dir/CMakeCache.txt" ] || die "no $2 beside '$cairn', and no build directory to make it in"
	cmake --build "$bench_dir" -j2 --target "$2" >>"$logf" 2>&1 ||
		die "building $2 failed (see $logf)"
}
