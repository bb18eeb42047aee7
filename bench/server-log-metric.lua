-- bench/server-log-metric.lua: wrk script for bench/server.sh. Every
-- request is a POST /api/2.0/mlflow/runs/log-metric with a JSON body and
-- Content-Type: application/json, for the run in the environment variable
-- CAIRN_RUN. Each request logs a distinct point (step = thread number *
-- 10^9 + a per-thread counter), so that the count stored afterwards can be
-- compared with the count acknowledged (identical points would collapse).
-- done() prints "acked N" and "non2xx N" lines for the shell to read.

local run = os.getenv("CAIRN_RUN") or error("CAIRN_RUN is not set")
local threads = {}
local nthreads = 0
local counter = 0


function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

function init(args)
	wrk.method = "POST"
	wrk.path = "/api/2.0/mlflow/runs/log-metric"
	wrk.headers["Content-Type"] = "application/json"
end

function request()
	counter = counter + 1
	local body = string.format(
		'{"run_id":"%s","key":"wrk","value":%d.5,' ..
		'"timestamp":1700000000000,"step":%d}',
		run, counter, tid * 1000000000 + counter)
	return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
	local s = summary.errors.status
	io.write(string.format("acked %d\n", summary.requests - s))
	io.write(string.format("non2xx %d\n", s))
	io.write(string.format("socket_errors %d\n",
		summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.timeout))
	io.write(string.format("duration_s %.3f\n", summary.duration / 1e6))
	io.write(string.format("lat_p50_ms %.3f\n", latency:percentile(50) / 1000))
	io.write(string.format("lat_p99_ms %.3f\n", latency:percentile(99) / 1000))
end
