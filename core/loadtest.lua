-- The wrk script of the HTTP load test (core/loadtest.py starts wrk with it; settings arrive in
-- the environment so that the session cookie stays off wrk's command line).
--
--   LOADTEST_COOKIE   the Cookie header of the signed-in user (empty: anonymous)
--   LOADTEST_EXPECT   the status a good answer has (200 for a page, 302 for a form that saved)
--   LOADTEST_BODY     a POST's urlencoded form (CSRF token included); absent for a GET; "{id}"
--                     stands for the next id of LOADTEST_IDS (a ballot's one-time code)
--   LOADTEST_PATH     the POST's path, "{id}" standing for the same id
--   LOADTEST_IDS      a file with one id a line; each thread takes every THREADS-th line, so no
--                     two requests share an id until a thread runs out and starts over
--   LOADTEST_THREADS  how many threads wrk runs (-t)
--
-- done() prints one line, "loadtest: {json}", that core.loadtest.parse_report reads: requests,
-- duration, exact latency percentiles (wrk's --latency table has no p95), the answers whose
-- status was not the expected one, by status, the socket errors, and how many ids each thread
-- used, so that the next run is given other ones.

local expect = tonumber(os.getenv("LOADTEST_EXPECT") or "200")
local cookie = os.getenv("LOADTEST_COOKIE") or ""
local body = os.getenv("LOADTEST_BODY") or ""

if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

-- Per thread; done() adds them up.
unexpected = 0
statuses = {}
sent = 0

function response(status, headers, content)
  if status ~= expect then
    unexpected = unexpected + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

if body ~= "" then
  local template = os.getenv("LOADTEST_PATH")
  local ids = {}

  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

  function init(args)
    local count = tonumber(os.getenv("LOADTEST_THREADS"))
    local line = 0
    for id in io.lines(os.getenv("LOADTEST_IDS")) do
      if line % count == index then
        ids[#ids + 1] = id
      end
      line = line + 1
    end
    assert(#ids > 0, "LOADTEST_IDS has fewer ids than wrk has threads")
  end

  function request()
    local id = ids[sent % #ids + 1]
    sent = sent + 1
    -- Ids are digits or a code's letters and dashes: nothing that gsub or a URL would read.
    local path = template:gsub("{id}", id)
    local form = body:gsub("{id}", id)
    return wrk.format("POST", path, nil, form)
  end
end

function done(summary, latency, requests)
  local total, by_status, used = 0, {}, {}
  for _, thread in ipairs(threads) do
    used[#used + 1] = thread:get("sent")
    total = total + thread:get("unexpected")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local errors = summary.errors
  io.write(string.format(
    'loadtest: {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "unexpected": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "sent": [%s]}\n',
    summary.requests, summary.duration,
    -- In microseconds; floored, as %d wants an integer.
    math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99)), latency.max,
    total, table.concat(parts, ", "),
    errors.connect, errors.read, errors.write, errors.timeout, table.concat(used, ", ")
  ))
end
