/* script.c - the Lua script the cluster tier runs in Redis (EVALSHA): the
 * sliding windows and distinct counts of one key (an address or a user)
 * for every node at once, and the answer whether this call crossed a
 * threshold.  A script runs atomically, so of all the calls of all the
 * nodes exactly one gets the crossing of an incident.
 *
 * KEYS[1]       the key's meta hash: "n<j>:<node>" -> the newest time node
 *               contributed to detector j; "o<j>" -> the time until which
 *               detector j's incident stays open
 * KEYS[1 + j]   detector j's sorted set: member -> time (seconds).  A
 *               counting detector (bruteforce) has one member per failure
 *               (a random id), a distinct one (dictionary, distributed)
 *               one per user or address, scored with its newest time.
 * ARGV          node, D, then per detector j: threshold, window, cap, n,
 *               and n pairs (time, member)
 *
 * Per detector: the window ends at the key's clock, the newest time any
 * node has sent for it (so an event counts at its own time, whichever
 * node sends it first), and holds the times in (clock - window, clock];
 * older events are not counted.  The set keeps at most `cap` members, the
 * newest: counts are exact up to the cap (above the threshold).  When the
 * count is at or above the threshold and no incident of the detector is
 * open, this call opens one (crossed = 1) and gets the oldest and newest
 * time in the window and the nodes that contributed within it.  An
 * incident stays open until a whole window passes after the last call
 * that found the count at or above the threshold.  Every key expires a
 * minute after its window (Redis's clock), so an idle key frees itself.
 *
 * Returns per detector {count, crossed, first, last, node...}.
 * Needs Redis 6.2 or newer (ZADD GT).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cluster/redis.h"

const char cl_script_src[] =
	"local meta = KEYS[1]\n"
	"local node = ARGV[1]\n"
	"local D = tonumber(ARGV[2])\n"
	"local p = 3\n"
	"local out = {}\n"
	"local ttl = 0\n"
	"for j = 1, D do\n"
	"  local z = KEYS[j + 1]\n"
	"  local T = tonumber(ARGV[p])\n"
	"  local W = tonumber(ARGV[p + 1])\n"
	"  local cap = tonumber(ARGV[p + 2])\n"
	"  local n = tonumber(ARGV[p + 3])\n"
	"  p = p + 4\n"
	"  local res = {0, 0, 0, 0}\n"
	"  if T > 0 and n > 0 then\n"
	"    local clk = 0\n"
	"    local top = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')\n"
	"    if #top == 2 then clk = tonumber(top[2]) end\n"
	"    local mine = 0\n"
	"    for i = 0, n - 1 do\n"
	"      local t = tonumber(ARGV[p + 2 * i])\n"
	"      if t > clk then clk = t end\n"
	"      if t > mine then mine = t end\n"
	"    end\n"
	"    local lo = clk - W\n"
	"    redis.call('ZREMRANGEBYSCORE', z, '-inf', lo)\n"
	"    local args = {}\n"
	"    for i = 0, n - 1 do\n"
	"      local t = tonumber(ARGV[p + 2 * i])\n"
	"      if t > lo then\n"
	"        args[#args + 1] = t\n"
	"        args[#args + 1] = ARGV[p + 2 * i + 1]\n"
	"      end\n"
	"      if #args >= 1000 then\n"
	"        redis.call('ZADD', z, 'GT', unpack(args))\n"
	"        args = {}\n"
	"      end\n"
	"    end\n"
	"    if #args > 0 then redis.call('ZADD', z, 'GT', unpack(args)) end\n"
	"    if mine > lo then\n"
	"      local f = 'n' .. j .. ':' .. node\n"
	"      local old = tonumber(redis.call('HGET', meta, f) or 0)\n"
	"      if mine > old then redis.call('HSET', meta, f, mine) end\n"
	"    end\n"
	"    local count = redis.call('ZCARD', z)\n"
	"    res[1] = count\n"
	"    if count >= T then\n"
	"      local o = tonumber(redis.call('HGET', meta, 'o' .. j) or 0)\n"
	"      if clk > o then\n"
	"        res[2] = 1\n"
	"        local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')\n"
	"        res[3] = tonumber(first[2])\n"
	"        res[4] = clk\n"
	"        local h = redis.call('HGETALL', meta)\n"
	"        local pre = 'n' .. j .. ':'\n"
	"        for k = 1, #h, 2 do\n"
	"          if string.sub(h[k], 1, #pre) == pre and tonumber(h[k + 1]) > lo then\n"
	"            res[#res + 1] = string.sub(h[k], #pre + 1)\n"
	"          end\n"
	"        end\n"
	"      end\n"
	"      redis.call('HSET', meta, 'o' .. j, clk + W)\n"
	"    end\n"
	"    if count > cap then redis.call('ZREMRANGEBYRANK', z, 0, count - cap - 1) end\n"
	"    redis.call('EXPIRE', z, W + 60)\n"
	"    if W > ttl then ttl = W end\n"
	"  end\n"
	"  p = p + 2 * n\n"
	"  out[j] = res\n"
	"end\n"
	"if ttl > 0 then redis.call('EXPIRE', meta, ttl + 60) end\n"
	"return out\n";
