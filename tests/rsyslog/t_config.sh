#!/usr/bin/env bash
# rsyslogd -N1: a good configuration passes, bad parameters fail naming
# what is wrong.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new config

# check NAME EXPECT(ok|fail) GREP-PATTERN ACTION-PARAMS
check() {
  local name=$1 want=$2 pat=$3 params=$4
  rs_conf "$params"
  "$RSYSLOGD" -N1 -f "$RS/rsyslog.conf" > "$RS/n1.log" 2>&1
  local rc=$?
  if [ "$want" = ok ]; then
    if [ $rc -eq 0 ]; then pass "config: $name accepted"; else fail "config: $name rejected: $(tail -3 "$RS/n1.log")"; fi
  elif [ "$want" = warn ]; then
    if [ $rc -eq 0 ] && grep -i -- "$pat" "$RS/n1.log" | grep -qi 'warning\|cannot use'; then
      pass "config: $name accepted with a warning naming '$pat'"
    else fail "config: $name: rc=$rc, expected a warning naming '$pat': $(tail -3 "$RS/n1.log")"; fi
  else
    if [ $rc -ne 0 ] && grep -qi -- "$pat" "$RS/n1.log"; then pass "config: $name rejected naming '$pat'"
    else fail "config: $name: rc=$rc, expected a failure naming '$pat': $(tail -3 "$RS/n1.log")"; fi
  fi
}
check "defaults" ok "" ''
check "all parameters" ok "" 'container="!mail" programs=["mymail=dovecot","smtp-in/smtpd=postfix"] redactPasswords="on" geoip.language="en" geoip.cacheSize="100" reloadOnHup="off" detect="on" detect.maxKeys="1000" detect.timeSource="reception" bruteforce.threshold="5" bruteforce.window="60" dictionary.threshold="0" dictionary.window="60" distributed.threshold="20" distributed.window="7200" compromise.threshold="3" compromise.window="600" insecure="on" stale.threshold="4" stale.window="1800" stale.suppress="off" bruteforce.resetOnSuccess="on"'
check "misspelt parameter" fail "bruteforce.treshold" 'bruteforce.treshold="5"'
check "container without !" fail "container" 'container="auth"'
check "unknown family in programs" fail "nosuchdaemon" 'programs=["foo=nosuchdaemon"]'
# an optional resource never switches the action off: a warning, not a failure
check "missing geo file" warn "/nonexistent/GeoLite2-City.mmdb" 'geoip.files=["/nonexistent/GeoLite2-City.mmdb"]'
check "not a MaxMind DB" warn "$RS/rsyslog.conf" "geoip.files=[\"$RS/rsyslog.conf\"]"
check "bad timeSource" fail "timeSource" 'detect.timeSource="tomorrow"'
check "negative threshold" fail "bruteforce.threshold" 'bruteforce.threshold="-1"'
# every numeric parameter has a documented maximum; above it is an error
# naming the parameter (rsyslog's 64-bit value must not wrap)
check "window above 30 days" fail "bruteforce.window.*2592000" 'bruteforce.window="99999999999999"'
check "window wrapping 32 bits" fail "dictionary.window" 'dictionary.window="4294967396"'
check "threshold above 10000" fail "distributed.threshold.*10000" 'distributed.threshold="10001"'
check "maxKeys above the maximum" fail "detect.maxKeys" 'detect.maxKeys="100000001"'
check "cacheSize above the maximum" fail "geoip.cacheSize" 'geoip.cacheSize="2000000"'
# the state file's directory is checked at start-up, not at shutdown
check "stateFile in a missing directory" fail "detect.stateFile" 'detect.stateFile="/nonexistent/dir/mmauthparse.state"'
check "stateFile is a directory" fail "detect.stateFile" "detect.stateFile=\"$RS\""
check "stateInterval" ok "" "detect.stateFile=\"$RS/state\" detect.stateInterval=\"10\""
check "stateInterval above a day" fail "detect.stateInterval" 'detect.stateInterval="86401"'
check "incidents.ruleset names a ruleset" ok "" 'incidents.ruleset="main"'
check "incidents.ruleset names no ruleset" fail "incidents.ruleset.*nosuchruleset" 'incidents.ruleset="nosuchruleset"'
check "trustedProxies" ok "" 'trustedProxies=["127.0.0.1","10.0.0.0/8","2001:db8::/32"]'
check "trustedProxies with a bad entry" fail "trustedProxies" 'trustedProxies=["10.0.0.0/33"]'
check "input event" ok "" 'input="event"'
check "bad input" fail "input" 'input="json"'
# the cluster tier: checked and the server's name resolved at start-up,
# never connected during a check; a build without hiredis refuses it
if grep -q "this build has no cluster tier" "$MODULE"; then
  check "cluster without hiredis" fail "no cluster tier" 'cluster.redis="127.0.0.1:6379"'
else
check "cluster parameters" ok "" 'cluster.redis="127.0.0.1:6379" cluster.mode="sync" cluster.prefix="site1:" cluster.user="mmap" cluster.password="x" cluster.node="mx1" cluster.timeout="40" cluster.connectTimeout="150" cluster.queueSize="500" cluster.batchSize="64" cluster.flushInterval="50" cluster.bruteforce.threshold="20" cluster.bruteforce.window="900" cluster.dictionary.threshold="0" cluster.distributed.threshold="30" cluster.distributed.window="7200"'
check "cluster on a socket" ok "" 'cluster.redis="/run/redis/redis.sock"'
check "cluster parameters without cluster.redis" fail "cluster.redis" 'cluster.mode="sync"'
check "bad cluster.mode" fail "cluster.mode" 'cluster.redis="127.0.0.1" cluster.mode="later"'
check "cluster.redis with a bad port" fail "cluster.redis" 'cluster.redis="127.0.0.1:70000"'
check "cluster.prefix with a brace" fail "cluster.prefix" 'cluster.redis="127.0.0.1" cluster.prefix="a{b}"'
check "cluster threshold above 10000" fail "cluster.bruteforce.threshold" 'cluster.redis="127.0.0.1" cluster.bruteforce.threshold="10001"'
check "every cluster detector off" fail "cluster" 'cluster.redis="127.0.0.1" cluster.bruteforce.threshold="0" cluster.dictionary.threshold="0" cluster.distributed.threshold="0"'
check "cluster.ruleset that does not exist" fail "cluster.ruleset" 'cluster.redis="127.0.0.1" cluster.ruleset="nosuchruleset"'
fi

[ "$RS_FAIL" -eq 0 ]
