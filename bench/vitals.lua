-- wrk script: every request POSTs a set of vitals to the open dosing session in the URL
-- (.../dosing/{session}/vitals), signed in by the session cookie given with -H, with the session's
-- form token (bench-seed makes it "bench") and an entry key of its own: the same key twice
-- records once, so each request must carry a fresh one to be a new, audited row. Readings are
-- ordinary (no alert). bench/run counts the rows stored; this script counts the 303 answers.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
  counter = 0
  saved = 0
  other = 0
end

function request()
  counter = counter + 1
  local body = "_csrf=bench&entry_key=bench-" .. id .. "-" .. counter
    .. "&systolic=" .. (120 + counter % 15) .. "&diastolic=" .. (76 + counter % 8)
    .. "&heart_rate=" .. (70 + counter % 12) .. "&spo2=98&respiratory_rate=14"
    .. "&measured_by=therapist&minutes_ago=0"
  -- wrk.format with nil method, path and headers keeps -H (the cookie) and the URL's path.
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 303 then
    saved = saved + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total, refused = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("saved")
    refused = refused + t:get("other")
  end
  io.write(string.format("vitals_303 %d\nvitals_other %d\nvitals_303_per_sec %.0f\n",
    total, refused, total / (summary.duration / 1e6)))
end
