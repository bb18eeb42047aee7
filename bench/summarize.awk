# bench/summarize.awk: the raw rows of bench/data-store.sh (one per timed
# command) reduced to one row per (tool, case).
#
# Input: the raw TSV with its header line (columns are found by name, so the
# order of the raw columns may change).  Output: a TSV with a header, rows in
# the order in which each (tool, case) first appeared.
#
# Only successful runs (rc 0) enter the medians; nfail counts the others.  A
# pair whose runs all failed gets "NA" figures.  The median of an even count
# is the mean of the two middle values.  Throughput and the dedup ratio are
# derived from the medians: GB/s = logical bytes / durable wall / 10^9,
# files/s = files / durable wall, dedup = logical bytes / new allocated bytes.

BEGIN {
	FS = OFS = "\t"
	nf = split("durable_s wall_s flush_s cpu_s rss_kb new_alloc_b " \
		   "new_apparent_b new_inodes new_alloc_total_b", fields, " ")
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	for (i = 1; i <= nf; i++)
		if (!(fields[i] in col)) {
			printf "summarize.awk: no column '%s'\n", fields[i] \
				> "/dev/stderr"
			exit 2
		}
	next
}

{
	k = $col["tool"] SUBSEP $col["case"]
	if (!(k in nrun)) {
		order[++nkeys] = k
		nrun[k] = 0
		nok[k] = 0
		nfail[k] = 0
	}
	nrun[k]++
	logical[k] = $col["logical_b"]
	files[k] = $col["files"]
	if ($col["rc"] != 0) {
		nfail[k]++
		next
	}
	j = ++nok[k]
	for (i = 1; i <= nf; i++)
		val[k, fields[i], j] = $col[fields[i]]
}

# Sorts v[1..n] numerically in place (insertion sort: n is a handful).
function sort_num(v, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--)
			v[j + 1] = v[j]
		v[j + 1] = x
	}
}

# Sets st["med"], st["min"], st["max"] for field f of key k.
function stats(k, f,    n, i, v) {
	n = nok[k]
	if (n == 0) {
		st["med"] = st["min"] = st["max"] = "NA"
		return
	}
	for (i = 1; i <= n; i++)
		v[i] = val[k, f, i]
	sort_num(v, n)
	st["min"] = v[1]
	st["max"] = v[n]
	if (n % 2)
		st["med"] = v[(n + 1) / 2]
	else
		st["med"] = (v[n / 2] + v[n / 2 + 1]) / 2
}

function ratio(a, b, fmt) {
	if (a == "NA" || b == "NA" || b + 0 <= 0 || a == "" || b == "")
		return "NA"
	return sprintf(fmt, a / b)
}

END {
	print "tool", "case", "runs", "nfail", "durable_med", "durable_min",
	      "durable_max", "wall_med", "flush_med", "cpu_med", "rss_med_kb",
	      "rss_max_kb", "new_alloc_med_b", "new_apparent_med_b",
	      "new_inodes_med", "new_alloc_total_med_b", "logical_b", "files", "gb_per_s",
	      "files_per_s", "dedup"
	for (o = 1; o <= nkeys; o++) {
		k = order[o]
		split(k, tc, SUBSEP)
		stats(k, "durable_s")
		dmed = st["med"]; dmin = st["min"]; dmax = st["max"]
		stats(k, "wall_s");		wmed = st["med"]
		stats(k, "flush_s");		fmed = st["med"]
		stats(k, "cpu_s");		cmed = st["med"]
		stats(k, "rss_kb");		rmed = st["med"]; rmax = st["max"]
		stats(k, "new_alloc_b");	amed = st["med"]
		stats(k, "new_apparent_b");	pmed = st["med"]
		stats(k, "new_inodes");		imed = st["med"]
		stats(k, "new_alloc_total_b");	tmed = st["med"]
		print tc[1], tc[2], nrun[k], nfail[k], dmed, dmin, dmax, wmed,
		      fmed, cmed, rmed, rmax, amed, pmed, imed, tmed, logical[k],
		      files[k], ratio(logical[k] / 1e9, dmed, "%.3f"),
		      ratio(files[k], dmed, "%.0f"),
		      ratio(logical[k], amed, "%.2f")
	}
}
