-- voice.lua: wrk script for the POST /twilio/voice load benchmark.
--
--   wrk -t2 -c64 -d10s --latency -s bench/voice.lua URL -- FILE NTHREADS
--
-- FILE holds one pre-signed request per line, "SIGNATURE<TAB>BODY"
-- (bench/gen_voice requests).  NTHREADS must equal -t: thread k takes
-- lines k+1, k+1+NTHREADS, ... so no two threads send the same CallSid.
-- Every request is formatted once in init(), before wrk starts its
-- clock.  A thread that runs out wraps around with a warning (its
-- CallSids then repeat and vaktd answers them as duplicates).
--
-- done() prints one line for bench/run.sh:
--   voice.lua: requests=N non2xx=N errors=N rps=R p50_ms=X p99_ms=Y
--     loaded=N wrapped=N

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local reqs = {}
local n, i = 0, 0
wrapped = 0
loaded = 0

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   if file == nil or nthreads == nil or nthreads < 1 then
      error("usage: -s voice.lua URL -- FILE NTHREADS")
   end
   local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["User-Agent"] = "TwilioProxy/1.1",
      ["Accept"] = "*/*",
      ["X-Home-Region"] = "us1",
   }
   local line_no = 0
   for line in io.lines(file) do
      if line_no % nthreads == id then
         local tab = line:find("\t", 1, true)
         headers["X-Twilio-Signature"] = line:sub(1, tab - 1)
         n = n + 1
         reqs[n] = wrk.format("POST", "/twilio/voice", headers,
                              line:sub(tab + 1))
      end
      line_no = line_no + 1
   end
   if n == 0 then
      error("voice.lua: no requests for thread " .. id .. " in " .. file)
   end
   loaded = n
end

function request()
   i = i + 1
   if i > n then
      if wrapped == 0 then
         io.stderr:write(string.format(
            "voice.lua: thread %d used all %d requests; wrapping, " ..
            "CallSids repeat\n", id, n))
      end
      wrapped = wrapped + 1
      i = 1
   end
   return reqs[i]
end

function done(summary, latency, requests)
   local total_loaded, total_wrapped = 0, 0
   for _, t in ipairs(threads) do
      total_loaded = total_loaded + (t:get("loaded") or 0)
      total_wrapped = total_wrapped + (t:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "voice.lua: requests=%d non2xx=%d errors=%d rps=%.0f " ..
      "p50_ms=%.3f p99_ms=%.3f loaded=%d wrapped=%d\n",
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      total_loaded, total_wrapped))
end
