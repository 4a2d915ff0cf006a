-- Report saves as the benchmark reporter, for wrk:
--
--   wrk -t2 -c64 -d20s --latency -s bench/save.lua URL -- REPORTS_FILE COOKIE CSRF THREADS
--
-- REPORTS_FILE lists report pages (/rounds/R/reports/ITEM/UNIT), one a line, that the
-- reporter may edit; there should be more of them than connections. Every report is worked on
-- by one request at a time, alternating: GET the page and read the report's current version
-- from the form, then POST a draft save carrying that version (the portal refuses a stale one
-- with 409), which answers 303 back to the page. wrk does not say which connection a response
-- came from, so the report is recognised from the response itself: the form's action on a
-- page, the Location of a redirect.

dofile((os.getenv("BENCH_DIR") or "bench") .. "/stats.lua")

local created = 0
local threads = {}

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

-- Per thread (each wrk thread has its own Lua state). Globals are read by done().
posts, gets, starved, unrecognised, refused = 0, 0, 0, 0, 0

local queue, head, tail = {}, 1, 0 -- reports ready for their next request
local inflight = {}                 -- path -> report, while a request for it is out
local csrf, body_rest

local function push(r)
  tail = tail + 1
  queue[tail] = r
end

local function pop()
  if head > tail then return nil end
  local r = queue[head]
  queue[head] = nil
  head = head + 1
  return r
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local file, cookie, nthreads = args[1], args[2], tonumber(args[4])
  csrf = args[3]
  local k = 0
  for line in io.lines(file) do
    if line ~= "" then
      if k % nthreads == tid then push({ path = line }) end
      k = k + 1
    end
  end
  wrk.headers["Cookie"] = cookie
  body_rest = "&action=save&status=in_progress"
    .. "&progress=" .. urlencode("压力测试：已按计划推进，完成阶段性任务。")
    .. "&problems=" .. urlencode("无。")
    .. "&next_steps=" .. urlencode("继续推进。")
  math.randomseed(os.time() + tid)
end

function request()
  local r = pop()
  if r == nil then
    -- Every report of this thread has a request out: cannot happen with more reports than
    -- connections, but answer something harmless rather than risk a conflict.
    starved = starved + 1
    return wrk.format("GET", "/healthz")
  end
  inflight[r.path] = r
  if r.version then
    posts = posts + 1
    local body = "csrf=" .. urlencode(csrf) .. "&version=" .. r.version
      .. "&percent=" .. math.random(1, 99) .. body_rest
    r.version = nil
    -- wrk.format uses the headers given instead of wrk.headers: name the cookie again.
    return wrk.format("POST", r.path, {
      ["Cookie"] = wrk.headers["Cookie"],
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
  gets = gets + 1
  return wrk.format("GET", r.path)
end

function response(status, headers, body)
  if status == 409 or status == 422 then refused = refused + 1 end
  -- A report page (after a GET, or a refused save showing the newest version): POST next.
  local path = body and body:match('action="(/rounds/%d+/reports/[%w%-]+/%d+)"')
  local version = body and body:match('name="version" value="(%d+)"')
  if path and version and inflight[path] then
    local r = inflight[path]
    inflight[path] = nil
    r.version = version
    push(r)
    return
  end
  -- A saved draft: 303 back to the page, which is read again next.
  local loc = headers["Location"] or headers["location"]
  path = loc and loc:match("^(/rounds/%d+/reports/[%w%-]+/%d+)")
  if path and inflight[path] then
    local r = inflight[path]
    inflight[path] = nil
    push(r)
    return
  end
  if not (status == 200 and body and body:match('"database"')) then
    unrecognised = unrecognised + 1
  end
end

function done(summary, latency, requests)
  bench_line(summary, latency)
  local p, g, s, u, f = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("posts")
    g = g + t:get("gets")
    s = s + t:get("starved")
    u = u + t:get("unrecognised")
    f = f + t:get("refused")
  end
  io.write(string.format(
    "BENCH_SAVES posts=%d gets=%d saves_per_s=%.1f refused=%d starved=%d unrecognised=%d\n",
    p, g, p / (summary.duration / 1e6), f, s, u))
end
