# bench/table.awk: the one table of bench/data-store.sh, as Markdown.
#
# Usage: awk -v tools="cairn git-lfs ..." -v scale=full \
#            -f bench/table.awk bench/cases.tsv SUMMARY.tsv
# The first file lists the rows and cairn's targets (see its header), the
# second is the output of bench/summarize.awk.  Rows = cases, in the order of
# cases.tsv; columns = case, then cairn with its target and verdict, then the
# other tools, then the baseline.  A tool cell is
#   "durable wall s / CPU s / new MB / peak RSS MB"    (medians)
# "-" when the tool was not measured in that row, "FAILED" when every run
# failed, with "(N failed)" appended when only some did.
#
# Verdict (cairn only): PASS when every run succeeded and the median meets
# each limit of the row, else MISS followed by what missed: "wall", "MB",
# "base" (slower than the baseline), "RSS" (peak RSS of 64 MB or more in any
# run).  Absolute limits apply only at scale "full"; at other scales a row
# with such limits reads "n/a (scale)".  Works with mawk: ASCII only, widths
# are byte counts.

BEGIN {
	FS = OFS = "\t"
	ntools = split(tools, tool, " ")
	rss_limit_mb = 64
}

FNR == NR {
	if ($0 ~ /^#/ || $0 ~ /^[ \t]*$/)
		next
	ncases++
	cid[ncases] = $1
	label[$1] = $2
	target[$1] = $3
	max_wall[$1] = $4
	max_mb[$1] = $5
	vs_base[$1] = $6
	base_label[$1] = $7
	next
}

FNR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	next
}

{
	k = $col["tool"] SUBSEP $col["case"]
	have[k] = 1
	runs[k] = $col["runs"]
	nfail[k] = $col["nfail"]
	dmed[k] = $col["durable_med"]
	cmed[k] = $col["cpu_med"]
	rmed[k] = $col["rss_med_kb"]
	rmax[k] = $col["rss_max_kb"]
	amed[k] = $col["new_alloc_med_b"]
}

function secs(x) {
	if (x == "NA")
		return "NA"
	return sprintf(x + 0 < 0.1 ? "%.3f" : "%.2f", x)
}

function mb(x) {
	return x == "NA" ? "NA" : sprintf("%.1f", x / 1e6)
}

function rss_mb(kb) {
	return kb == "NA" ? "NA" : sprintf("%.0f", kb * 1024 / 1e6)
}

function cell(t, c,    k, s) {
	k = t SUBSEP c
	if (!(k in have))
		return "-"
	if (nfail[k] == runs[k])
		return "FAILED"
	s = secs(dmed[k]) " / " secs(cmed[k]) " / " mb(amed[k]) " / " \
	    rss_mb(rmed[k])
	if (nfail[k] > 0)
		s = s " (" nfail[k] " failed)"
	return s
}

function base_cell(c,    k) {
	k = "baseline" SUBSEP c
	if (!(k in have) || base_label[c] == "-")
		return "-"
	if (nfail[k] == runs[k])
		return base_label[c] " FAILED"
	return base_label[c] " " secs(dmed[k]) " s"
}

function verdict(c,    k, b, miss, absolute) {
	k = "cairn" SUBSEP c
	if (!(k in have))
		return ""
	if (nfail[k] > 0)
		return "FAIL"
	absolute = max_wall[c] != "-" || max_mb[c] != "-"
	if (absolute && scale != "full")
		return "n/a (" scale ")"
	miss = ""
	if (max_wall[c] != "-") {
		if (target[c] ~ /^</ && dmed[k] + 0 >= max_wall[c] + 0)
			miss = miss ",wall"
		else if (target[c] !~ /^</ && dmed[k] + 0 > max_wall[c] + 0)
			miss = miss ",wall"
	}
	if (max_mb[c] != "-" && amed[k] / 1e6 > max_mb[c] + 0)
		miss = miss ",MB"
	if (vs_base[c] == 1) {
		b = "baseline" SUBSEP c
		if (!(b in have) || nfail[b] == runs[b])
			return "no baseline"
		if (dmed[k] + 0 > dmed[b] + 0)
			miss = miss ",base"
	}
	if (rmax[k] * 1024 / 1e6 >= rss_limit_mb)
		miss = miss ",RSS"
	return miss == "" ? "PASS" : "MISS " substr(miss, 2)
}

END {
	nc = 0
	head[++nc] = "case"
	head[++nc] = "cairn"
	head[++nc] = "target"
	head[++nc] = "verdict"
	for (t = 1; t <= ntools; t++)
		if (tool[t] != "cairn")
			head[++nc] = tool[t]
	head[++nc] = "baseline"
	for (j = 1; j <= nc; j++)
		w[j] = length(head[j])
	for (r = 1; r <= ncases; r++) {
		c = cid[r]
		j = 0
		row[r, ++j] = label[c]
		row[r, ++j] = cell("cairn", c)
		row[r, ++j] = target[c] == "-" ? "" : target[c]
		row[r, ++j] = verdict(c)
		for (t = 1; t <= ntools; t++)
			if (tool[t] != "cairn")
				row[r, ++j] = cell(tool[t], c)
		row[r, ++j] = base_cell(c)
		for (j = 1; j <= nc; j++)
			if (length(row[r, j]) > w[j])
				w[j] = length(row[r, j])
	}
	line = "|"
	for (j = 1; j <= nc; j++)
		line = line " " sprintf("%-" w[j] "s", head[j]) " |"
	print line
	line = "|"
	for (j = 1; j <= nc; j++) {
		dash = ""
		for (i = 0; i < w[j] + 2; i++)
			dash = dash "-"
		line = line dash "|"
	}
	print line
	for (r = 1; r <= ncases; r++) {
		line = "|"
		for (j = 1; j <= nc; j++)
			line = line " " sprintf("%-" w[j] "s", row[r, j]) " |"
		print line
	}
}
