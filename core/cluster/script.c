/* script.c - the Lua script the cluster tier runs in Redis (EVALSHA): the
 * sliding windows and distinct counts of one key (an address or a user)
 * for every node at once, and the answer whether this call crossed a
 * threshold.  A script runs atomically, so of all the calls of all the
 * nodes exactly one gets the crossing of an incident.
 *
 * One hash per key (KEYS[1], "{<prefix>i:<address>}" or
 * "{<prefix>u:<user>}"), small enough for Redis's compact encoding:
 *   "<L>:<second>" -> failures in that second   (a counting detector L:
 *                                                 b = bruteforce)
 *   "<L>:<member>" -> newest time of the member  (a distinct detector L:
 *                                                 d = dictionary (users),
 *                                                 x = distributed (addresses))
 *   "n:<node>"     -> the newest time that node sent for this key
 *   "o<L>"         -> the time until which detector L's incident stays open
 * ARGV: node, D, then per detector: letter, counting (1/0), threshold,
 * window, cap, n, and n events: a time (counting) or a time and a member
 * (distinct).
 *
 * The key's clock is the newest time any node has sent for it (so an
 * event counts at its own time, whichever node sends it first), but never
 * ahead of Redis's own clock (TIME): an event stamped in the future (a
 * device's wrong clock, a misread year) counts at Redis's time, or it
 * would move the key's clock ahead and push every real event out of the
 * window for as long as the key lives; a
 * detector's window holds the times in (clock - window, clock]; older
 * events are not counted and older fields are deleted.  A detector keeps
 * at most `cap` fields, the newest: counts are exact up to the threshold
 * (cap is above it).  When the count is at or above the threshold and no
 * incident of the detector is open, this call opens one (crossed = 1) and
 * gets the oldest and newest time in the window and the nodes that sent
 * within it.  An incident stays open until a whole window passes after the
 * last call that found the count at or above the threshold.  The key
 * expires a minute after its longest window (Redis's clock), so an idle key
 * frees itself.
 *
 * Returns per detector {count, crossed, first, last, node...}.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cluster/redis.h"

const char cl_script_src[] =
	"local key = KEYS[1]\n"
	"local node = ARGV[1]\n"
	"local D = tonumber(ARGV[2])\n"
	"local p = 3\n"
	"local dets = {}\n"
	"local byl = {}\n"
	"local clk = 0\n"
	"local mine = 0\n"
	"local maxw = 0\n"
	"local now = tonumber(redis.call('TIME')[1])\n"
	"for j = 1, D do\n"
	"  local d = {l = ARGV[p], c = ARGV[p + 1] == '1', T = tonumber(ARGV[p + 2]),\n"
	"             W = tonumber(ARGV[p + 3]), cap = tonumber(ARGV[p + 4]),\n"
	"             n = tonumber(ARGV[p + 5]), ev = {}, f = {}}\n"
	"  p = p + 6\n"
	"  for i = 1, d.n do\n"
	"    local t = tonumber(ARGV[p])\n"
	"    if t > now then t = now end\n"
	"    local m = nil\n"
	"    p = p + 1\n"
	"    if not d.c then m = ARGV[p]; p = p + 1 end\n"
	"    d.ev[i] = {t, m}\n"
	"    if d.T > 0 then\n"
	"      if t > clk then clk = t end\n"
	"      if t > mine then mine = t end\n"
	"    end\n"
	"  end\n"
	"  if d.T > 0 and d.W > maxw then maxw = d.W end\n"
	"  dets[j] = d\n"
	"  byl[d.l] = d\n"
	"end\n"
	"if mine == 0 then\n"
	"  local out = {}\n"
	"  for j = 1, D do out[j] = {0, 0, 0, 0} end\n"
	"  return out\n"
	"end\n"
	"local h = redis.call('HGETALL', key)\n"
	"local nodes = {}\n"
	"local open = {}\n"
	"for k = 1, #h, 2 do\n"
	"  local f, v = h[k], h[k + 1]\n"
	"  local c1 = string.sub(f, 1, 1)\n"
	"  if string.sub(f, 2, 2) == ':' then\n"
	"    if c1 == 'n' then\n"
	"      nodes[string.sub(f, 3)] = tonumber(v)\n"
	"    else\n"
	"      local d = byl[c1]\n"
	"      if d then\n"
	"        local t, c\n"
	"        if d.c then t = tonumber(string.sub(f, 3)); c = tonumber(v)\n"
	"        else t = tonumber(v); c = 1 end\n"
	"        d.f[f] = {t, c}\n"
	"        if d.T > 0 and t > clk then clk = t end\n"
	"      end\n"
	"    end\n"
	"  elseif c1 == 'o' then\n"
	"    open[string.sub(f, 2)] = tonumber(v)\n"
	"  end\n"
	"end\n"
	"local hset = {}\n"
	"local hdel = {}\n"
	"local out = {}\n"
	"for j = 1, D do\n"
	"  local d = dets[j]\n"
	"  local res = {0, 0, 0, 0}\n"
	"  if d.T > 0 and d.n > 0 then\n"
	"    local lo = clk - d.W\n"
	"    for f, e in pairs(d.f) do\n"
	"      if e[1] <= lo then hdel[#hdel + 1] = f; d.f[f] = nil end\n"
	"    end\n"
	"    for i = 1, d.n do\n"
	"      local t, m = d.ev[i][1], d.ev[i][2]\n"
	"      if t > lo then\n"
	"        if d.c then\n"
	"          local f = d.l .. ':' .. t\n"
	"          local e = d.f[f]\n"
	"          if e then e[2] = e[2] + 1; e[3] = true else d.f[f] = {t, 1, true} end\n"
	"        else\n"
	"          local f = d.l .. ':' .. m\n"
	"          local e = d.f[f]\n"
	"          if not e then d.f[f] = {t, 1, true}\n"
	"          elseif t > e[1] then e[1] = t; e[3] = true end\n"
	"        end\n"
	"      end\n"
	"    end\n"
	"    local count, first, nf = 0, nil, 0\n"
	"    for f, e in pairs(d.f) do\n"
	"      count = count + e[2]\n"
	"      nf = nf + 1\n"
	"      if first == nil or e[1] < first then first = e[1] end\n"
	"    end\n"
	"    res[1] = count\n"
	"    if count >= d.T then\n"
	"      if clk > (open[d.l] or 0) then\n"
	"        res[2] = 1\n"
	"        res[3] = first\n"
	"        res[4] = clk\n"
	"        if mine > (nodes[node] or 0) then nodes[node] = mine end\n"
	"        for nd, t in pairs(nodes) do\n"
	"          if t > lo then res[#res + 1] = nd end\n"
	"        end\n"
	"      end\n"
	"      hset[#hset + 1] = 'o' .. d.l\n"
	"      hset[#hset + 1] = clk + d.W\n"
	"    end\n"
	"    if nf > d.cap then\n"
	"      local all = {}\n"
	"      for f, e in pairs(d.f) do all[#all + 1] = {e[1], f} end\n"
	"      table.sort(all, function(a, b) return a[1] < b[1] end)\n"
	"      for i = 1, nf - d.cap do hdel[#hdel + 1] = all[i][2]; d.f[all[i][2]] = nil end\n"
	"    end\n"
	"    for f, e in pairs(d.f) do\n"
	"      if e[3] then\n"
	"        hset[#hset + 1] = f\n"
	"        if d.c then hset[#hset + 1] = e[2] else hset[#hset + 1] = e[1] end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"  out[j] = res\n"
	"end\n"
	"if mine > (nodes[node] or 0) then\n"
	"  hset[#hset + 1] = 'n:' .. node\n"
	"  hset[#hset + 1] = mine\n"
	"end\n"
	"for i = 1, #hdel, 1000 do\n"
	"  redis.call('HDEL', key, unpack(hdel, i, math.min(i + 999, #hdel)))\n"
	"end\n"
	"for i = 1, #hset, 1000 do\n"
	"  redis.call('HSET', key, unpack(hset, i, math.min(i + 999, #hset)))\n"
	"end\n"
	"redis.call('EXPIRE', key, maxw + 60)\n"
	"return out\n";
