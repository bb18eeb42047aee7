-- bench/serve-invocations.lua: wrk script for bench/serve.sh. Every request
-- is a POST /invocations with Content-Type: application/json, its body one
-- line of the file named by BENCH_BODIES (taken in turn, each thread from
-- its own starting line), so cairn and the peer get the same bodies.
-- With BENCH_VERSIONS=1, response() also counts the X-Cairn-Model-Version
-- of each response (missing: "none"), per thread; wrk calls it for every
-- response, which costs the client some speed, so it is only for the swap
-- run. With BENCH_PACE_MS=N, each connection waits N ms after each
-- response before its next request (wrk's delay()), which holds the rate
-- near connections / (N ms + latency) instead of as fast as the server
-- goes: the latency at a given rate, not at saturation. done() prints
-- "name value" lines for the shell to read: ok, non2xx, socket_errors,
-- duration_s, lat_p50_ms, lat_p99_ms, lat_max_ms, rps and
-- "version NAME/N COUNT".

local path = os.getenv("BENCH_BODIES") or error("BENCH_BODIES is not set")
local count_versions = os.getenv("BENCH_VERSIONS") == "1"
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "")
local threads = {}
local nthreads = 0

function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

local reqs = {}
local nreqs = 0
local next_req = 1
versions = {}

function init(args)
	local headers = { ["Content-Type"] = "application/json" }
	for line in io.lines(path) do
		if #line > 0 then
			nreqs = nreqs + 1
			reqs[nreqs] = wrk.format("POST", "/invocations", headers, line)
		end
	end
	if nreqs == 0 then
		error("no bodies in " .. path)
	end
	next_req = (tid * 7) % nreqs + 1
end

function request()
	local r = reqs[next_req]
	next_req = next_req % nreqs + 1
	return r
end

-- wrk looks for response() and delay() once the script is loaded.
if count_versions then
	function response(status, headers, body)
		local v = headers["X-Cairn-Model-Version"] or
			headers["x-cairn-model-version"] or "none"
		versions[v] = (versions[v] or 0) + 1
	end
end

if pace and pace > 0 then
	function delay()
		return pace
	end
end

function done(summary, latency, requests)
	local s = summary.errors.status
	io.write(string.format("ok %d\n", summary.requests - s))
	io.write(string.format("non2xx %d\n", s))
	io.write(string.format("socket_errors %d\n",
		summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.timeout))
	io.write(string.format("duration_s %.3f\n", summary.duration / 1e6))
	io.write(string.format("rps %.1f\n", summary.requests / (summary.duration / 1e6)))
	io.write(string.format("lat_p50_ms %.3f\n", latency:percentile(50) / 1000))
	io.write(string.format("lat_p99_ms %.3f\n", latency:percentile(99) / 1000))
	io.write(string.format("lat_max_ms %.3f\n", latency.max / 1000))
	if count_versions then
		local total = {}
		for _, t in ipairs(threads) do
			local v = t:get("versions")
			for k, n in pairs(v) do
				total[k] = (total[k] or 0) + n
			end
		end
		for k, n in pairs(total) do
			io.write(string.format("version %s %d\n", k, n))
		end
	end
end
