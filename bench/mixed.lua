-- A mixed workload for wrk: 80% page views by signed-in users, 20% report writes.
--
--   wrk -t2 -c200 -d60s --latency -s bench/mixed.lua URL -- REPORTS_FILE LEADER_COOKIE \
--       REPORTER_COOKIE CSRF THREADS PLAN OUT_PREFIX
--
-- Page views: the dashboard and item pages as bench-leader, the to-do list as
-- bench-reporter. Writes go through the reporter's editable reports as in save.lua (one
-- request at a time per report: GET its page for the current version, then POST), and about
-- one POST in twenty-five is a submission instead of a draft save. Submissions stop while a
-- thread has fewer than 60% of its reports left, so the run never runs dry; every submitted
-- report is written to OUT_PREFIX-<thread>.txt, for bench/run.sh to return afterwards.

dofile((os.getenv("BENCH_DIR") or "bench") .. "/stats.lua")

local created = 0
local threads = {}

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

views, posts, submits, gets, refused, unrecognised = 0, 0, 0, 0, 0, 0

local queue, head, tail, initial = {}, 1, 0, 0
local inflight = {}
local csrf, body_rest, leader, reporter, plan, out
local items = {}

local function push(r) tail = tail + 1; queue[tail] = r end
local function pop()
  if head > tail then return nil end
  local r = queue[head]; queue[head] = nil; head = head + 1
  return r
end
local function left() return tail - head + 1 end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local file, nthreads = args[1], tonumber(args[5])
  leader, reporter, csrf, plan = args[2], args[3], args[4], args[6]
  out = io.open(args[7] .. "-" .. tid .. ".txt", "w")
  local k = 0
  for line in io.lines(file) do
    if line ~= "" then
      if k % nthreads == tid then push({ path = line }); initial = initial + 1 end
      k = k + 1
    end
  end
  for i = 1, 29 do items[i] = "/plans/" .. plan .. "/items/task-" .. i end
  body_rest = "&status=in_progress&measured_value=1"
    .. "&progress=" .. urlencode("压力测试：已按计划推进，完成阶段性任务。")
    .. "&problems=" .. urlencode("无。")
    .. "&next_steps=" .. urlencode("继续推进。")
  math.randomseed(os.time() + tid * 7919)
end

local function view()
  views = views + 1
  local x = math.random()
  if x < 0.35 then
    return wrk.format("GET", "/plans/" .. plan .. "/dashboard", { ["Cookie"] = leader })
  elseif x < 0.7 then
    return wrk.format("GET", items[math.random(#items)], { ["Cookie"] = leader })
  end
  return wrk.format("GET", "/todo", { ["Cookie"] = reporter })
end

function request()
  if math.random() >= 0.2 then return view() end
  local r = pop()
  if r == nil then return view() end
  inflight[r.path] = r
  if r.version then
    posts = posts + 1
    local action = "save"
    if math.random(25) == 1 and left() >= initial * 0.6 then
      action = "submit"; r.submitting = true
    end
    local body = "csrf=" .. urlencode(csrf) .. "&version=" .. r.version .. "&action=" .. action
      .. "&percent=" .. math.random(1, 99) .. body_rest
    r.version = nil
    return wrk.format("POST", r.path, {
      ["Cookie"] = reporter,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
  gets = gets + 1
  return wrk.format("GET", r.path, { ["Cookie"] = reporter })
end

function response(status, headers, body)
  if status == 409 or status == 422 then refused = refused + 1 end
  local path = body and body:match('action="(/rounds/%d+/reports/[%w%-]+/%d+)"')
  local version = body and body:match('name="version" value="(%d+)"')
  if path and version and inflight[path] then
    local r = inflight[path]
    inflight[path] = nil
    r.version = version
    r.submitting = nil
    push(r)
    return
  end
  local loc = headers["Location"] or headers["location"]
  path = loc and loc:match("^(/rounds/%d+/reports/[%w%-]+/%d+)")
  if path and inflight[path] then
    local r = inflight[path]
    inflight[path] = nil
    if r.submitting then
      -- Submitted: no longer editable. Noted for returning after the run.
      submits = submits + 1
      out:write(r.path, "\n"); out:flush()
    else
      push(r)
    end
    return
  end
  -- Page views answer 200 with a page; anything else is counted.
  if status ~= 200 then unrecognised = unrecognised + 1 end
end

function done(summary, latency, requests)
  bench_line(summary, latency)
  local v, p, s, g, f, u = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    v = v + t:get("views"); p = p + t:get("posts"); s = s + t:get("submits")
    g = g + t:get("gets"); f = f + t:get("refused"); u = u + t:get("unrecognised")
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH_MIXED views=%d report_gets=%d posts=%d submits=%d writes_share=%.3f posts_per_s=%.1f refused=%d unrecognised=%d\n",
    v, g, p, s, (g + p) / math.max(1, v + g + p), p / secs, f, u))
end
