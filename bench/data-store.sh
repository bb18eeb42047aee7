#!/usr/bin/env bash
# bench/data-store.sh: cairn's data store side by side with git-lfs,
# git-annex, restic and borg, on the same data, in one run.
#
# Usage (as root; `make bench` calls it with the release build):
#     bench/data-store.sh [PATH/TO/cairn]
# Without a working cairn (no argument, or a binary whose `init` and
# `data add` do not work yet) the cairn column is left out and the peers and
# baselines still run.
#
# Environment:
#     BENCH_SCALE=full|small   full: one 1 GiB file and 20 x 1,000 files of
#                              4 KiB; small: 64 MiB and 20 x 100 files
#     BENCH_RUNS=3             runs of each cairn case and each baseline
#     BENCH_PEER_RUNS=1        runs of each peer case (git-annex needs about
#                              two minutes for the small files)
#     BENCH_PEERS="git-lfs git-annex restic borg"   the peers to run ("" none)
#     BENCH_COLD=1             also time one cold-cache add (drop_caches)
#     BENCH_IMG_DIR=DIR        where to put the filesystem image (default: the
#                              first of /var/tmp, /tmp, /work with room)
#     BENCH_KEEP=1             keep the work filesystem, print where it is
#     BENCH_NO_LOOP=1          work in a plain directory, no loop device
#     BENCH_LOOP_DIO=0         buffered loop device instead of direct I/O
#
# What it does, in order (docs/benchmarks.md explains the choices):
#  1. installs missing peers and GNU time with apt-get;
#  2. makes a fresh ext4 on a loop device (a sparse image file, direct I/O)
#     and works there, or, where loop devices do not work, in a plain
#     directory (with a warning: an aged filesystem can be many times slower
#     at creating files).  Direct I/O: a buffered loop device caches every
#     block twice and its flushes cost 0.3 to 2.3 s more per GiB, varying
#     from run to run; with direct I/O, cp + sync of 1 GiB takes what it
#     takes on the disk itself (0.6 s here);
#  3. generates the data with `openssl rand`: (a) one large random file,
#     (b) a tree of small random files, (c) (a) with 5 % in the middle
#     overwritten, (c2) (a) with that 5 % block inserted in the middle,
#     (e) one changed small file;
#  4. times the baselines (SHA-256, cat, cp+sync, tar+sync, cp -a+sync);
#  5. cairn, BENCH_RUNS times, each time in fresh projects: the large series
#     (a), (c), (c2), no-op re-add, checkout, push, pull into a clone; the
#     small series (b), status, no-op re-add, (e), checkout, push, pull;
#  6. each peer, BENCH_PEER_RUNS times, the same two series up to (e);
#  7. prints the machine facts and ONE table to stdout, keeps everything in
#     bench/out/: data-store-STAMP.tsv (raw: one row per timed command),
#     .summary.tsv (medians), .txt (what was printed), .logs/ (the output
#     of every timed command).
#
# Every timed command runs under GNU time (CPU user+sys, peak RSS) in the
# project directory with stdin from /dev/null; right after it, `sync -f` on
# the work filesystem is timed as "flush".  Durable wall = command + flush:
# that is the wall figure of the table for every tool (cairn fsyncs itself,
# so its flush should be near zero).  Store growth is measured before and
# after (du -sb apparent, du -sk allocated, inode count) on: .cairn/objects
# for cairn, .git for git-lfs and git-annex, the repository for restic and
# borg.  Data is copied into the project untimed and synced first, so the
# page cache is warm (except for the cold case).  Progress goes to stderr.

set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
outdir=$here/out

scale=${BENCH_SCALE:-full}
runs=${BENCH_RUNS:-3}
peer_runs=${BENCH_PEER_RUNS:-1}
peers=${BENCH_PEERS-git-lfs git-annex restic borg}
cold=${BENCH_COLD:-1}
keep=${BENCH_KEEP:-0}
img_dir=${BENCH_IMG_DIR:-}
no_loop=${BENCH_NO_LOOP:-0}
loop_dio=${BENCH_LOOP_DIO:-1}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { log "warning: $*"; notes+=("warning: $*"); }
die() { log "error: $*"; exit 1; }

notes=()

case $scale in
full)	big=1073741824; ndirs=20; nper=1000; img_gb=16 ;;
small)	big=67108864; ndirs=20; nper=100; img_gb=4 ;;
*)	die "BENCH_SCALE must be 'full' or 'small', not '$scale'" ;;
esac
fsize=4096
nsmall=$((ndirs * nper))
blk=$((big * 5 / 100))			# 53,687,091 bytes at full scale
off_over=$(((big - blk) / 2))		# (c): overwrite the middle
off_ins=$((big / 2))			# (c2): insert at 512 MiB
efile=$(printf 'd%02d/f%04d' $((ndirs / 3)) $((nper / 2)))

for v in runs peer_runs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v^^} must be a positive integer"
done
for p in $peers; do
	case $p in
	git-lfs|git-annex|restic|borg) ;;
	*) die "unknown peer '$p' in BENCH_PEERS (git-lfs git-annex restic borg)" ;;
	esac
done

cairn=
cairn_state="not given"
if [ $# -gt 1 ]; then
	die "usage: $0 [PATH/TO/cairn]"
elif [ $# -eq 1 ]; then
	if [ -x "$1" ] && [ -f "$1" ]; then
		cairn=$(readlink -f "$1")
		cairn_state="to be checked"
	else
		cairn_state="'$1' is not an executable file"
	fi
fi

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

# ---------------------------------------------------------------- install

install_missing() {
	local need=() p
	[ -x /usr/bin/time ] || need+=(time)
	command -v openssl >/dev/null || need+=(openssl)
	for p in $peers; do
		case $p in
		git-lfs)   git lfs version >/dev/null 2>&1 || need+=(git-lfs) ;;
		git-annex) command -v git-annex >/dev/null || need+=(git-annex) ;;
		restic)    command -v restic >/dev/null || need+=(restic) ;;
		borg)      command -v borg >/dev/null || need+=(borgbackup) ;;
		esac
	done
	[ ${#need[@]} -eq 0 ] && return 0
	[ $is_root -eq 1 ] || die "missing ${need[*]}; run as root to install them"
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${need[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q "${need[@]}" >&2; } ||
		die "apt-get install ${need[*]} failed"
}

# ------------------------------------------------------- work filesystem

mnt=
img=
loopdev=
work=
cleaned=0

cleanup() {
	[ $cleaned -eq 1 ] && return
	cleaned=1
	cd /
	if [ "$keep" = 1 ] && [ -n "$work" ]; then
		log "kept the work area: $work${loopdev:+ (on $loopdev, image $img)}"
		return
	fi
	if [ -n "$mnt" ]; then
		if mountpoint -q "$mnt"; then
			umount "$mnt" 2>/dev/null || {
				sleep 1
				umount "$mnt" 2>/dev/null
			} || umount -l "$mnt"
		fi
		rmdir "$mnt" 2>/dev/null
	elif [ -n "$work" ] && [ -d "$work" ]; then
		chmod -R u+w "$work" 2>/dev/null
		rm -rf "$work"
	fi
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	[ -n "$img" ] && rm -f "$img"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# The first candidate directory with at least $1 GiB available.
pick_dir() {
	local d avail
	for d in ${img_dir:-/var/tmp /tmp /work}; do
		[ -d "$d" ] && [ -w "$d" ] || continue
		avail=$(df --output=avail -B1G "$d" 2>/dev/null | tail -n 1 | tr -d ' ')
		if [ -n "$avail" ] && [ "$avail" -ge "$1" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

fs_desc=
setup_workfs() {
	local base dio_opt="" dio
	# The data needs about 3.2 GiB plus up to 4.3 GiB for git-lfs's run at
	# full scale; the image is sparse, so only what is written counts.
	base=$(pick_dir $((img_gb / 2 + 2))) ||
		die "no directory with $((img_gb / 2 + 2)) GiB free (set BENCH_IMG_DIR)"
	if [ "$no_loop" = 1 ]; then
		warn "BENCH_NO_LOOP=1: working in a plain directory"
	elif [ $is_root -eq 1 ] && command -v losetup >/dev/null &&
	   command -v mkfs.ext4 >/dev/null; then
		img=$(mktemp "$base/cairn-bench.XXXXXX.img")
		[ "$loop_dio" = 1 ] && dio_opt=--direct-io=on
		if truncate -s "${img_gb}G" "$img" &&
		   mkfs.ext4 -q -F "$img" >&2 &&
		   loopdev=$(losetup -f --show $dio_opt "$img" 2>/dev/null) &&
		   mnt=$(mktemp -d "$base/cairn-bench-mnt.XXXXXX") &&
		   mount "$loopdev" "$mnt" 2>/dev/null; then
			work=$mnt/w
			mkdir -p "$work"
			dio=$(losetup -n -l -O DIO "$loopdev" | tr -d ' ')
			[ "$loop_dio" = 1 ] && [ "$dio" != 1 ] &&
				warn "the loop device could not use direct I/O: flushes go through a second page cache"
			[ "$dio" = 1 ] && dio="direct I/O" || dio="buffered"
			fs_desc="$(findmnt -no FSTYPE,OPTIONS "$mnt" | tr -s ' ' ' '), fresh (mkfs.ext4 defaults), on $loopdev ($dio): a ${img_gb} GiB sparse image in $base"
			return 0
		fi
		[ -n "$mnt" ] && rmdir "$mnt" 2>/dev/null
		mnt=
		[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
		loopdev=
		rm -f "$img"
		img=
		warn "could not set up a loop device; working in a plain directory"
	else
		warn "not root or no losetup/mkfs.ext4; working in a plain directory"
	fi
	work=$(mktemp -d "$base/cairn-bench.XXXXXX")
	fs_desc="$(findmnt -no FSTYPE,OPTIONS -T "$work" | tr -s ' ' ' ') (the existing filesystem under $base, not fresh: creating files may be much slower there than on a fresh one)"
}

# Syncs the work filesystem only (not every filesystem of the machine).
sync_work() { sync -f "$work"; }

# Untimed: frees the blocks of deleted files in the sparse image.
trim_work() { [ -n "$mnt" ] && fstrim "$mnt" 2>/dev/null; return 0; }

rm_tree() {
	chmod -R u+w "$@" 2>/dev/null	# git-annex makes its objects read-only
	rm -rf "$@"
}

# ------------------------------------------------------------ measuring

# Prints "apparent_bytes allocated_kib inodes" of a directory ("-" or a
# missing path: zeros).
store_size() {
	if [ "$1" = - ] || [ ! -e "$1" ]; then
		echo "0 0 0"
		return
	fi
	echo "$(du -sb "$1" | cut -f1) $(du -sk "$1" | cut -f1) $(find "$1" | wc -l)"
}

ns_to_s() { printf '%d.%06d' $(($1 / 1000000000)) $(($1 % 1000000000 / 1000)); }

raw_header="tool	case	run	rc	wall_s	flush_s	durable_s	user_s	sys_s	cpu_s	rss_kb	new_apparent_b	new_alloc_b	new_inodes	new_alloc_total_b	logical_b	files	load1"

# whole: when set, a directory holding STORE whose allocated growth goes into
# the column new_alloc_total_b (cairn: all of .cairn, with its database);
# otherwise that column repeats new_alloc_b.
whole=

# verify: when set to the name of a function, it runs in the command's
# directory after a successful command (untimed); if it fails, the row gets
# rc 99 ("wrong data").
verify=

# measure TOOL CASE RUN DIR STORE LOGICAL_BYTES FILES CMD...
# Runs CMD in DIR under GNU time, then times `sync -f`, and appends a row to
# the raw TSV.  STORE is the directory whose growth is measured ("-": none).
measure() {
	local tool=$1 case=$2 run=$3 dir=$4 store=$5 logical=$6 files=$7
	shift 7
	local b_app b_kib b_ino a_app a_kib a_ino load t0 t1 t2 rc
	local us sy rss lf=$logdir/$tool.$case.$run.log tf=$logdir/.time.out
	local wall flush durable cpu oldpwd vrc w_b w_a
	read -r b_app b_kib b_ino < <(store_size "$store")
	w_b=$b_kib
	[ -n "$whole" ] && w_b=$(store_size "$whole" | cut -d' ' -f2)
	load=$(cut -d' ' -f1 /proc/loadavg)
	rm -f "$tf"
	t0=$(date +%s%N)
	(cd "$dir" && exec /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@") \
		</dev/null >"$lf" 2>&1
	rc=$?
	t1=$(date +%s%N)
	sync_work
	t2=$(date +%s%N)
	if [ $rc -eq 0 ] && [ -n "$verify" ]; then
		# Not in a subshell: a check may set variables.
		oldpwd=$PWD
		cd "$dir" && "$verify" >>"$lf" 2>&1
		vrc=$?
		cd "$oldpwd" || die "cannot return to '$oldpwd'"
		if [ $vrc -ne 0 ]; then
			echo "bench: verification '$verify' failed" >>"$lf"
			rc=99
		fi
	fi
	read -r a_app a_kib a_ino < <(store_size "$store")
	w_a=$a_kib
	[ -n "$whole" ] && w_a=$(store_size "$whole" | cut -d' ' -f2)
	read -r _ us sy rss < <(tail -n 1 "$tf" 2>/dev/null)
	[[ ${us:-} =~ ^[0-9.]+$ ]] || us=NA
	[[ ${sy:-} =~ ^[0-9.]+$ ]] || sy=NA
	[[ ${rss:-} =~ ^[0-9]+$ ]] || rss=NA
	[ $rc -eq 0 ] || [ $rc -eq 99 ] ||
		notes+=("$tool $case run $run failed with exit status $rc, see $lf")
	[ $rc -eq 99 ] &&
		notes+=("$tool $case run $run: WRONG DATA after the command, see $lf")
	wall=$(ns_to_s $((t1 - t0)))
	flush=$(ns_to_s $((t2 - t1)))
	durable=$(ns_to_s $((t2 - t0)))
	if [ "$us" = NA ] || [ "$sy" = NA ]; then
		cpu=NA
	else
		cpu=$(awk -v a="$us" -v b="$sy" 'BEGIN { printf "%.2f", a + b }')
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$tool" "$case" "$run" "$rc" "$wall" "$flush" "$durable" \
		"$us" "$sy" "$cpu" "$rss" $((a_app - b_app)) \
		$(((a_kib - b_kib) * 1024)) $((a_ino - b_ino)) \
		$(((w_a - w_b) * 1024)) "$logical" "$files" "$load" >>"$raw"
	log "$(printf '%-9s %-10s run %d: %7.3f s + %6.3f s flush, cpu %s s, new %s kB, rss %s kB, rc %d' \
		"$tool" "$case" "$run" "$wall" "$flush" "$cpu" \
		$(((a_kib - b_kib))) "$rss" "$rc")"
}

# ------------------------------------------------------------------ data

src=
gen_data() {
	local d i
	src=$work/src
	mkdir -p "$src/small"
	log "generating data in $src ($scale scale)"
	openssl rand -out "$src/a.bin" "$big" || die "openssl rand failed"
	openssl rand -out "$src/blk.bin" "$blk" || die "openssl rand failed"
	cp "$src/a.bin" "$src/c.bin"
	dd if="$src/blk.bin" of="$src/c.bin" bs=1M seek="$off_over" \
	   oflag=seek_bytes conv=notrunc status=none || die "dd failed"
	{
		head -c "$off_ins" "$src/a.bin"
		cat "$src/blk.bin"
		tail -c +$((off_ins + 1)) "$src/a.bin"
	} >"$src/c2.bin"
	for ((i = 0; i < ndirs; i++)); do
		d=$(printf 'd%02d' $i)
		mkdir "$src/small/$d"
		openssl rand -out "$src/chunk.tmp" $((nper * fsize)) &&
			split -b $fsize -a 4 -d "$src/chunk.tmp" "$src/small/$d/f" ||
			die "generating $src/small/$d failed"
	done
	rm -f "$src/chunk.tmp"
	openssl rand -out "$src/e.bin" $fsize
	cp -a "$src/small" "$src/small_e"
	cp "$src/e.bin" "$src/small_e/$efile"
	[ "$(stat -c %s "$src/c.bin")" -eq "$big" ] &&
	[ "$(stat -c %s "$src/c2.bin")" -eq $((big + blk)) ] &&
	[ "$(find "$src/small" -type f | wc -l)" -eq $nsmall ] ||
		die "generated data has the wrong size"
	sync_work
}

# Untimed: puts source file $2 into the project $1 as big.bin, new inode.
put_big() {
	rm -f "$1/big.bin"
	cp "$src/$2" "$1/big.bin"
	sync_work
}

# Untimed: changes one file of the small tree in project $1 (new inode:
# git-annex leaves a read-only symlink there).
change_small() {
	rm -f "$1/small/$efile"
	cp "$src/e.bin" "$1/small/$efile"
	sync_work
}

# ------------------------------------------------------------- baselines

run_baselines() {
	local r bl=$work/baseline
	mkdir -p "$bl"
	for ((r = 1; r <= runs; r++)); do
		measure baseline sha256 $r "$src" - "$big" 1 \
			openssl dgst -sha256 a.bin
		measure baseline cat $r "$src" - "$big" 1 \
			sh -c 'cat a.bin >/dev/null'
		measure baseline a $r "$bl" - "$big" 1 \
			cp "$src/a.bin" "$bl/a.bin"
		measure baseline co_big $r "$bl" - $((big + blk)) 1 \
			cp "$src/c2.bin" "$bl/c2.bin"
		measure baseline b $r "$bl" - $((nsmall * fsize)) $nsmall \
			tar -cf "$bl/small.tar" -C "$src" small
		measure baseline co_small $r "$bl" - $((nsmall * fsize)) $nsmall \
			cp -a "$src/small_e" "$bl/small"
		rm_tree "$bl"/*
		sync_work
	done
	if [ "$cold" = 1 ] && [ $is_root -eq 1 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
		measure baseline a_cold 1 "$src" - "$big" 1 \
			sh -c 'cat a.bin >/dev/null'
	fi
	trim_work
}

# ----------------------------------------------------------------- cairn

check_big_c2() { cmp "$src/c2.bin" big.bin; }
check_small_e() { diff -r "$src/small_e" small; }

# After a pull: restores the working files untimed when the pull did not,
# then checks the bytes.
pull_restored_big=
pull_restored_small=
check_pull_big() {
	if [ -e big.bin ]; then
		pull_restored_big=yes
	else
		pull_restored_big=no
		"$cairn" data checkout big.bin.cairn || return 1
	fi
	cmp "$src/c2.bin" big.bin
}
check_pull_small() {
	if [ -e small ]; then
		pull_restored_small=yes
	else
		pull_restored_small=no
		"$cairn" data checkout small.cairn || return 1
	fi
	diff -r "$src/small_e" small
}

# Does this binary do `init` and `data add`?  Sets cairn_state.
check_cairn() {
	local t=$work/cairn-check
	[ -n "$cairn" ] || return 1
	mkdir -p "$t"
	head -c 100000 /dev/urandom >"$t/t.bin"
	if ! (cd "$t" && "$cairn" init) >"$logdir/cairn-check.log" 2>&1 ||
	   [ ! -d "$t/.cairn/objects" ]; then
		cairn_state="'$cairn init' did not create .cairn/objects"
	elif ! (cd "$t" && "$cairn" data add t.bin) >>"$logdir/cairn-check.log" 2>&1 ||
	     [ ! -f "$t/t.bin.cairn" ]; then
		cairn_state="'$cairn data add' did not write a pointer file"
	else
		cairn_state=ok
	fi
	rm_tree "$t"
	[ "$cairn_state" = ok ]
}

# cairn_setup DIR: a fresh project (untimed).
cairn_setup() {
	mkdir -p "$1" && (cd "$1" && "$cairn" init) >>"$logdir/cairn-setup.log" 2>&1
}

# cairn_clone FROM TO REMOTE: a second project with FROM's pointer files.
cairn_clone() {
	cairn_setup "$2" &&
	cp "$1"/*.cairn "$2"/ &&
	(cd "$2" && "$cairn" remote add backup "$3") >>"$logdir/cairn-setup.log" 2>&1
}

cairn_large() {
	local r=$1 R=$work/runs/cairn-L$1
	local P=$R/proj obj=$R/proj/.cairn/objects n
	cairn_setup "$P" || { notes+=("cairn init failed in run $r"); return; }
	whole=$P/.cairn
	put_big "$P" a.bin
	measure cairn a $r "$P" "$obj" "$big" 1 "$cairn" data add big.bin
	put_big "$P" c.bin
	measure cairn c $r "$P" "$obj" "$big" 1 "$cairn" data add big.bin
	put_big "$P" c2.bin
	measure cairn c2 $r "$P" "$obj" $((big + blk)) 1 \
		"$cairn" data add big.bin
	measure cairn noop_big $r "$P" "$obj" $((big + blk)) 1 \
		"$cairn" data add big.bin
	rm -f "$P/big.bin"
	sync_work
	verify=check_big_c2
	measure cairn co_big $r "$P" "$obj" $((big + blk)) 1 \
		"$cairn" data checkout big.bin.cairn
	verify=
	whole=
	mkdir -p "$R/remote"
	(cd "$P" && "$cairn" remote add backup "$R/remote") \
		>>"$logdir/cairn-setup.log" 2>&1
	n=$(du -sb "$obj" | cut -f1)
	measure cairn push_big $r "$P" "$R/remote" "$n" 1 "$cairn" data push
	measure baseline push_big $r "$R" - "$n" 1 \
		cp -r "$obj" "$R/cp-push"
	if cairn_clone "$P" "$R/clone" "$R/remote"; then
		verify=check_pull_big
		measure cairn pull_big $r "$R/clone" "$R/clone/.cairn/objects" \
			"$n" 1 "$cairn" data fetch
		verify=
	else
		notes+=("cairn: could not set up the clone for pull_big, run $r")
	fi
	measure baseline pull_big $r "$R" - "$n" 1 \
		cp -r "$R/remote" "$R/cp-pull"
	rm_tree "$R"
	trim_work
}

cairn_small() {
	local r=$1 R=$work/runs/cairn-S$1
	local P=$R/proj obj=$R/proj/.cairn/objects n
	local bytes=$((nsmall * fsize))
	cairn_setup "$P" || { notes+=("cairn init failed in run $r"); return; }
	whole=$P/.cairn
	cp -a "$src/small" "$P/small"
	sync_work
	measure cairn b $r "$P" "$obj" $bytes $nsmall "$cairn" data add small
	measure cairn status $r "$P" "$obj" $bytes $nsmall "$cairn" data status
	measure cairn noop_small $r "$P" "$obj" $bytes $nsmall \
		"$cairn" data add small
	change_small "$P"
	measure cairn e $r "$P" "$obj" $fsize 1 "$cairn" data add small
	rm_tree "$P/small"
	sync_work
	verify=check_small_e
	measure cairn co_small $r "$P" "$obj" $bytes $nsmall \
		"$cairn" data checkout small.cairn
	verify=
	whole=
	mkdir -p "$R/remote"
	(cd "$P" && "$cairn" remote add backup "$R/remote") \
		>>"$logdir/cairn-setup.log" 2>&1
	n=$(du -sb "$obj" | cut -f1)
	measure cairn push_small $r "$P" "$R/remote" "$n" $nsmall \
		"$cairn" data push
	measure baseline push_small $r "$R" - "$n" $nsmall \
		cp -r "$obj" "$R/cp-push"
	if cairn_clone "$P" "$R/clone" "$R/remote"; then
		verify=check_pull_small
		measure cairn pull_small $r "$R/clone" \
			"$R/clone/.cairn/objects" "$n" $nsmall "$cairn" data fetch
		verify=
	else
		notes+=("cairn: could not set up the clone for pull_small, run $r")
	fi
	measure baseline pull_small $r "$R" - "$n" $nsmall \
		cp -r "$R/remote" "$R/cp-pull"
	rm_tree "$R"
	trim_work
}

# One cold-cache add of the large file: the page cache is dropped after the
# data is in the project, so cairn reads it from the disk.
cairn_cold() {
	local R=$work/runs/cairn-cold P=$work/runs/cairn-cold/proj
	cairn_setup "$P" || return
	put_big "$P" a.bin
	sync
	echo 3 >/proc/sys/vm/drop_caches
	whole=$P/.cairn
	measure cairn a_cold 1 "$P" "$P/.cairn/objects" "$big" 1 \
		"$cairn" data add big.bin
	whole=
	rm_tree "$R"
	trim_work
}

# ----------------------------------------------------------------- peers

# peer_init TOOL PROJECT REPO: a fresh repository (untimed).
peer_init() {
	local tool=$1 P=$2 R=$3
	mkdir -p "$P"
	case $tool in
	git-lfs)
		(cd "$P" && git init -q && git lfs install --local >/dev/null &&
		 git lfs track '*.bin' 'small/**' >/dev/null &&
		 git add .gitattributes && git commit -q -m init)
		;;
	git-annex)
		(cd "$P" && git init -q && git annex init -q bench)
		;;
	restic)
		restic -q -r "$R" init >/dev/null
		;;
	borg)
		borg init -e none "$R"
		;;
	esac
}

# The add+commit command of each peer, for `sh -c` in the project.
peer_add_cmd() {
	case $1 in
	git-lfs)
		echo 'git add -A && { git diff --cached --quiet || git commit -q -m step; }' ;;
	git-annex)
		echo 'git annex add --quiet . && { git diff --cached --quiet || git commit -q -m step; }' ;;
	restic)
		echo "restic -q -r '$2' backup ." ;;
	borg)
		echo "borg create '$2::{utcnow:%Y%m%dT%H%M%S.%f}' ." ;;
	esac
}

peer_store() {
	case $1 in
	git-lfs|git-annex) echo "$2/.git" ;;
	*) echo "$3" ;;
	esac
}

peer_large() {
	local tool=$1 r=$2 R=$work/runs/$1-L$2
	local P=$R/proj repo=$R/repo store cmd
	peer_init "$tool" "$P" "$repo" >>"$logdir/$tool-setup.log" 2>&1 ||
		{ notes+=("$tool: init failed in run $r"); rm_tree "$R"; return; }
	store=$(peer_store "$tool" "$P" "$repo")
	cmd=$(peer_add_cmd "$tool" "$repo")
	put_big "$P" a.bin
	measure "$tool" a $r "$P" "$store" "$big" 1 sh -c "$cmd"
	put_big "$P" c.bin
	measure "$tool" c $r "$P" "$store" "$big" 1 sh -c "$cmd"
	put_big "$P" c2.bin
	measure "$tool" c2 $r "$P" "$store" $((big + blk)) 1 sh -c "$cmd"
	measure "$tool" noop_big $r "$P" "$store" $((big + blk)) 1 sh -c "$cmd"
	rm_tree "$R"
	trim_work
}

peer_small() {
	local tool=$1 r=$2 R=$work/runs/$1-S$2
	local P=$R/proj repo=$R/repo store cmd bytes=$((nsmall * fsize))
	peer_init "$tool" "$P" "$repo" >>"$logdir/$tool-setup.log" 2>&1 ||
		{ notes+=("$tool: init failed in run $r"); rm_tree "$R"; return; }
	store=$(peer_store "$tool" "$P" "$repo")
	cmd=$(peer_add_cmd "$tool" "$repo")
	cp -a "$src/small" "$P/small"
	sync_work
	measure "$tool" b $r "$P" "$store" $bytes $nsmall sh -c "$cmd"
	case $tool in
	git-lfs|git-annex)
		measure "$tool" status $r "$P" "$store" $bytes $nsmall \
			git status --porcelain ;;
	esac
	measure "$tool" noop_small $r "$P" "$store" $bytes $nsmall sh -c "$cmd"
	change_small "$P"
	measure "$tool" e $r "$P" "$store" $fsize 1 sh -c "$cmd"
	rm_tree "$R"
	trim_work
}

# ----------------------------------------------------------------- facts

tool_version() {
	case $1 in
	cairn)     "$cairn" --version 2>/dev/null | head -n 1 |
		   sed 's/^cairn[[:space:]]*//; s/^version[[:space:]]*//' ;;
	git)       git --version | awk '{ print $3 }' ;;
	git-lfs)   git lfs version 2>/dev/null | sed 's/ (.*//; s/^git-lfs\///' ;;
	git-annex) git annex version --raw 2>/dev/null ;;
	restic)    restic version 2>/dev/null | awk '{ print $2 }' ;;
	borg)      borg --version 2>/dev/null | awk '{ print $2 }' ;;
	openssl)   openssl version | awk '{ print $2 }' ;;
	coreutils) cp --version | awk 'NR == 1 { print $NF }' ;;
	tar)       tar --version | awk 'NR == 1 { print $NF }' ;;
	esac
}

machine_facts() {
	local cpu mem os reflink=no v t
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	[ -n "$cpu" ] || cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	cpu="$cpu (family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1), model $(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
	grep -qw sha_ni /proc/cpuinfo && cpu="$cpu, sha_ni"
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	echo x >"$work/.r1"
	cp --reflink=always "$work/.r1" "$work/.r2" 2>/dev/null && reflink=yes
	rm -f "$work/.r1" "$work/.r2"
	echo "## Machine"
	echo
	echo "- CPU: $(nproc) x $cpu"
	echo "- memory: $mem; OS: $os; kernel $(uname -r)"
	echo "- work filesystem: $fs_desc; reflink: $reflink"
	echo "- load average at start: $load_start (1, 5, 15 min); at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- scale: $scale (large file $big bytes; $ndirs x $nper files of $fsize bytes; 5 % block $blk bytes)"
	echo "- runs: cairn and baselines $runs (median), peers $peer_runs; page cache warm unless marked cold"
	v="- versions:"
	if [ "$cairn_state" = ok ]; then
		t=$(tool_version cairn)
		v="$v cairn ${t:-unknown},"
	fi
	v="$v git $(tool_version git),"
	for t in $peers; do
		v="$v $t $(tool_version "$t"),"
	done
	v="$v openssl $(tool_version openssl), coreutils $(tool_version coreutils), tar $(tool_version tar)"
	echo "$v"
	echo "- cairn: $([ "$cairn_state" = ok ] && echo "$cairn" || echo "not run ($cairn_state)")"
}

# ------------------------------------------------------------------ main

install_missing
mkdir -p "$outdir"
stamp=$(date +%Y%m%d-%H%M%S)
raw=$outdir/data-store-$stamp.tsv
summary=$outdir/data-store-$stamp.summary.tsv
report=$outdir/data-store-$stamp.txt
logdir=$outdir/data-store-$stamp.logs
mkdir -p "$logdir"
echo "$raw_header" >"$raw"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${load_start%% *}" 'BEGIN { exit !(l >= 1.5) }' &&
	warn "load average $load_start at start: the machine is busy, wall times will be noisy (CPU times less so)"
started=$(date +%s)

setup_workfs
log "working in $work ($fs_desc)"
export HOME=$work/home
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# No automatic gc: Git would repack in the background after the 20,000
# loose objects of (b) and disturb the next measurements.
git config --global gc.auto 0
export RESTIC_PASSWORD=bench
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

gen_data
log "baselines"
run_baselines

if check_cairn; then
	for ((r = 1; r <= runs; r++)); do
		log "cairn, run $r of $runs"
		cairn_large $r
		cairn_small $r
	done
	[ "$cold" = 1 ] && [ $is_root -eq 1 ] && cairn_cold
	[ "$pull_restored_big" = no ] &&
		notes+=("cairn data fetch (the timed pull) moves objects only; 'cairn data checkout' ran untimed after it for the byte check")
	[ "$pull_restored_small" = no ] &&
		notes+=("cairn data fetch (the timed pull) moves objects only; 'cairn data checkout' ran untimed after it for the byte check")
else
	log "cairn not run: $cairn_state"
fi

for p in $peers; do
	for ((r = 1; r <= peer_runs; r++)); do
		log "$p, run $r of $peer_runs"
		peer_large "$p" $r
		peer_small "$p" $r
	done
done

awk -f "$here/summarize.awk" "$raw" >"$summary" || die "summarize.awk failed"
{
	machine_facts
	echo
	echo "## Results"
	echo
	echo "Each cell: durable wall s (command + sync) / CPU user+sys s / new MB in the store (allocated, 10^6 bytes) / peak RSS MB; median of the runs. cairn's verdict also requires peak RSS < 64 MB."
	echo
	awk -v tools="cairn $peers" -v scale="$scale" \
		-f "$here/table.awk" "$here/cases.tsv" "$summary"
	echo
	echo "Total time: $(( $(date +%s) - started )) s. Raw figures: $raw; medians: $summary; command output: $logdir/"
	for n in "${notes[@]}"; do
		echo "- $n"
	done
} >"$report"
cat "$report"
