-- wrk script: each connection alternates GET /connect (to get a fresh signed form token) and
-- POST /connect with that token and a unique body, so every POST makes a new, audited inquiry.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  counter = 0
  created = 0
end

function request()
  local token = table.remove(tokens)
  if token == nil then
    return wrk.format("GET", "/connect")
  end
  counter = counter + 1
  local body = "name=Bench+Person+" .. counter .. "&email=bench" .. counter .. "%40example.org&preferred_contact=email"
    .. "&concerns=depression&message=Load+test&consent=yes&form_token=" .. token
  return wrk.format("POST", "/connect", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  if status == 303 then
    created = created + 1
  elseif status == 200 and body then
    local token = string.match(body, 'name="form_token" value="([^"]+)"')
    if token then table.insert(tokens, token) end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write(string.format("inquiries_created %d\ninquiries_per_sec %.0f\n", total, total / (summary.duration / 1e6)))
end
