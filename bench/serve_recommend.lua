-- wrk script: POST /v1/recommend with valid watch histories.
-- 256 different bodies (histories of 5 to 50 raw ids drawn from ANIREC_IDS, a comma
-- list of the catalogue's raw ids, k = 10), sent round-robin so the server sees
-- varied requests. Used by bench/serve_load.sh; standalone:
--   ANIREC_IDS=1,2,3 wrk -t2 -c16 -d10s --latency -s bench/serve_recommend.lua http://127.0.0.1:8080
local ids_env = os.getenv("ANIREC_IDS") or "1"
local pool = {}
for id in string.gmatch(ids_env, "[^,]+") do pool[#pool + 1] = id end
local bodies = {}
local counter = 0

local function history(seed)
  math.randomseed(seed)
  local len = math.random(5, 50)
  local ids = {}
  for i = 1, len do ids[i] = '"' .. pool[math.random(1, #pool)] .. '"' end
  return table.concat(ids, ",")
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for i = 1, 256 do
    bodies[i] = wrk.format("POST", "/v1/recommend", { ["Content-Type"] = "application/json" },
      '{"history": [' .. history(i) .. '], "k": 10}')
  end
  idx = (id or 0) * 97
end

function request()
  idx = idx + 1
  return bodies[(idx % #bodies) + 1]
end
