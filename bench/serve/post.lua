-- wrk script: POST one visit to the coding endpoint with an API token.
-- The token comes from the environment (OTBILL_BENCH_TOKEN), set by run.sh.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("OTBILL_BENCH_TOKEN") or "")
wrk.body = [[{"date": "2026-03-02", "payer": "medicare", "discipline": "OT",
  "services": [{"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23},
               {"code": "97530", "minutes": 8}]}]]

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("otbill: requests=%d duration_s=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f non200=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
