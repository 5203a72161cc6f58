-- wrk script: POST /v1/recommend where every 10th request is malformed, cycling
-- through bad JSON, an unknown id, an unknown title, wrong field types, a history
-- over the limit and a body over the 64 kB limit. The rest are valid histories.
-- response() counts status classes per thread; done() prints them, so the run shows
-- that the malformed requests got 4xx and nothing got 5xx.
-- Used by bench/serve_load.sh; standalone:
--   ANIREC_IDS=1,2,3 wrk -t2 -c16 -d10s -s bench/serve_malformed.lua http://127.0.0.1:8080
local pool = {}
for id in string.gmatch(os.getenv("ANIREC_IDS") or "1", "[^,]+") do pool[#pool + 1] = id end
local good = {}
local bad = {}
local counter = 0
local threads = {}

local function post(body)
  return wrk.format("POST", "/v1/recommend", { ["Content-Type"] = "application/json" }, body)
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(1234 + (id or 0))
  for i = 1, 128 do
    local ids = {}
    for j = 1, math.random(5, 50) do ids[j] = '"' .. pool[math.random(1, #pool)] .. '"' end
    good[i] = post('{"history": [' .. table.concat(ids, ",") .. '], "k": 10}')
  end
  local long = {}
  for j = 1, 2500 do long[j] = '"' .. pool[1] .. '"' end
  bad = {
    post('{"history": [1, 2,'),                                 -- bad JSON (400)
    post('{"history": [999999999]}'),                           -- unknown id (422)
    post('{"history": ["no such anime title at all"]}'),        -- unknown title (422)
    post('{"history": "1, 2", "k": "ten"}'),                    -- wrong types (400)
    post('{"history": [' .. table.concat(long, ",") .. ']}'),   -- history over --max-history (400)
    post('{"history": ["' .. string.rep("x", 100000) .. '"]}'), -- body over --max-body (413)
  }
  n = 0
  c2xx, c4xx, c5xx, cother = 0, 0, 0, 0
end

function request()
  n = n + 1
  if n % 10 == 0 then
    return bad[((n / 10) % #bad) + 1]
  end
  return good[(n % #good) + 1]
end

function response(status, headers, body)
  if status >= 500 then c5xx = c5xx + 1
  elseif status >= 400 then c4xx = c4xx + 1
  elseif status >= 200 and status < 300 then c2xx = c2xx + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local t2, t4, t5, to = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("c2xx")
    t4 = t4 + t:get("c4xx")
    t5 = t5 + t:get("c5xx")
    to = to + t:get("cother")
  end
  io.write(string.format("status classes: 2xx=%d 4xx=%d 5xx=%d other=%d\n", t2, t4, t5, to))
end
