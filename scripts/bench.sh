#!/usr/bin/env bash
# `make bench`: throughput (iperf3: TCP with 1 and 4 streams, UDP 64-byte packets per second), latency (ping,
# an idle and a busy path) and CPU per Gbit/s between two endpoints, for vnet and for the kernel's and other
# userspace networks built the same way in this run, then the ratios; a profile of vnet's runs.
#
#   1. kernel bridge            two namespaces, veth into a Linux bridge in a third (MTU 1450)
#   2. kernel VXLAN (flannel)   pod netns -> veth -> bridge -> route -> vxlan (VNI 1, 4789) -> underlay bridge
#   3. vde_switch               `vde_switch -t tapA -t tapB`, the TAPs moved into the endpoint namespaces
#   4. tinc 1.0 switch mode     no cipher/digest, PMTUDiscovery = no, TAP MTU 1450, one daemon per node netns
#   5. vnet same node           `vnet up -d --nodes 1`, two pods on node-1
#   6. vnet cross node          `vnet up -d --nodes 2`, one pod on node-1, one on node-2
#   7. Services and conntrack   in one JVM, no network: ServiceBench (vnet-nat/src/test/java/dev/vnet/nat/bench)
#                               times a new connection to a Service (iptables and ipvs modes, 10/1,000/10,000
#                               Services), a packet of an established flow, and conntrack's memory and lookups
#   8. NetworkPolicy            in one JVM, no network: PolicyBench (vnet-policy/src/test/java/dev/vnet/policy/bench)
#                               times a new connection's policy decision (egress + ingress) with 0/10/100/1,000
#                               policies in the namespace, and the bytes it allocates
#   9. ingress controller       `vnet up -d --nodes 2`: requests/s and p50/p99 latency (wrk, keep-alive, from the
#                               lab's outside namespace) of vnet's ingress controller and of nginx as a reverse
#                               proxy in a pod of the same lab, both to the same two whoami pods
#
# Everything runs inside network namespaces this script creates (names start with vb<PID>-); the root
# namespace gets no link, address or route, and sends no traffic. Setups run one after another (2 cores).
# Env: BENCH_SECONDS (iperf3 duration, default 5), VNET (the vnet command, default java -jar lab-cli/target/vnet.jar),
#      BENCH_ONLY=services (only part 7: no namespaces, no root needed; the network figures already in
#      latest.txt stay), SERVICES_BENCH_ARGS (options for ServiceBench, e.g. "--rounds=5 --verbose=true"),
#      BENCH_ONLY=policy (only part 8, likewise), POLICY_BENCH_ARGS (options for PolicyBench, e.g. "--rounds=5"),
#      BENCH_ONLY=ingress (only part 9; needs root and the built jar; BENCH_SECONDS is wrk's duration),
#      BENCH_ONLY=throughput (only parts 1, 2, 5 and 6: the kernel's bridge and VXLAN and vnet on one node and
#      across nodes, with their ratios; the other figures already in latest.txt stay),
#      VNET_OFFLOADS=off (vnet's pods' TAPs and nodes' TUNs without offloads, to compare).
# Results: a table on stdout and bench/results/latest.txt (key=value lines); for vnet, a Java Flight Recorder
# profile of one more single-stream run: bench/results/vnet_{same,cross}.jfr and a summary, *-profile.txt.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=$ROOT/bench
SECS=${BENCH_SECONDS:-5}
BENCH_ONLY=${BENCH_ONLY:-}
read -r -a VNET_CMD <<<"${VNET:-java -jar $ROOT/lab-cli/target/vnet.jar}"
P="vb$$-"                        # prefix of every namespace, link, lab and pod this run makes
STATE_BASE=/run/vnet-bench       # vnet lab state dirs: $STATE_BASE/<prefix without the dash>
TMP=""
PIDS=()                          # processes this script started (killed by cleanup)
STATUS=0
RESULT=""
CHILD=""                         # the measurement running now (stopped first by cleanup)

log() { printf '%s\n' "bench: $*" >&2; }
die() { printf '%s\n' "bench: error: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- setup, cleanup
case $BENCH_ONLY in ""|services|policy|ingress|throughput) ;; *) die "BENCH_ONLY must be empty, services, policy, ingress or throughput, not $BENCH_ONLY" ;; esac
case $BENCH_ONLY in services|policy) ;; *) [ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, TAP devices)" ;; esac
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 120 ] || die "BENCH_SECONDS must be 1..120"

# install_missing [TOOL...]: the Debian packages of the tools given (default: all the bench uses) that are missing.
install_missing() {
  local -A need=([ip]=iproute2 [ss]=iproute2 [bridge]=iproute2 [ping]=iputils-ping [iperf3]=iperf3 [perf]=linux-perf
                 [vde_switch]=vde2 [tincd]=tinc [jq]=jq [timeout]=coreutils [mkfifo]=coreutils
                 [wrk]=wrk [nginx]=nginx [curl]=curl)
  local missing=() t tools=("$@") policy=/usr/sbin/policy-rc.d made_policy=""
  [ ${#tools[@]} -gt 0 ] || tools=("${!need[@]}")
  for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("${need[$t]}"); done
  if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's nginx would start a system nginx on port 80 of the root namespace: no service may start during
    # the install (policy-rc.d exit 101; ours removed after). The bench starts its own nginx in a lab pod.
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=yes; fi
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/vnet-bench-apt.log 2>&1
    t=$?
    [ -n "$made_policy" ] && rm -f "$policy"
    [ "$t" -eq 0 ] || die "apt-get install ${missing[*]} failed (see /tmp/vnet-bench-apt.log)"
    rm -f /tmp/vnet-bench-apt.log
  fi
  [ -e /dev/net/tun ] || modprobe tun 2>/dev/null || true
}

vnet() { "${VNET_CMD[@]}" "$@"; }

# Kills one process we started (TERM, then KILL), if still alive.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}

# Removes a namespace of ours: first the processes still inside it (ours: iperf3, tincd, vde_switch).
del_ns() {
  local ns=$1 pid
  [ -e "/run/netns/$ns" ] || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
  ip netns del "$ns" 2>/dev/null
}

# Stops a vnet lab with `vnet down`, then makes sure its process and namespaces are gone.
lab_down() {
  local dir=$1 pfx=$2 pid=${3:-} ns
  timeout 90 "${VNET_CMD[@]}" --state-dir "$dir" --prefix "$pfx" down >/dev/null 2>&1 \
    || log "vnet down for $pfx did not finish cleanly"
  [ -n "$pid" ] && stop_pid "$pid"
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${pfx}"); do del_ns "$ns"; done
  rm -rf "$dir"
}

cleanup() {
  trap - EXIT INT TERM
  local pid lab ns
  [ -n "$CHILD" ] && stop_pid "$CHILD"
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "$TMP" ]; then   # vnet labs this script started: files lab-TAG with "statedir prefix pid"
    for lab in "$TMP"/lab-*; do
      # shellcheck disable=SC2046
      [ -s "$lab" ] && lab_down $(cat "$lab")
    done
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${P}"); do del_ns "$ns"; done
  [ -n "$TMP" ] && rm -rf "$TMP"
  rmdir "$STATE_BASE" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Leftovers of an earlier run that died (namespaces vb<PID>-..., lab state dirs, /tmp/vb<PID>-*) whose script is gone.
clean_leftovers() {
  local ns dir owner
  alive() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'bench\.sh'; }
  for dir in "$STATE_BASE"/vb*; do
    [ -d "$dir" ] || continue
    owner=$(basename "$dir" | sed -nE 's/^vb([0-9]+)-.*/\1/p')
    [ -n "$owner" ] && ! alive "$owner" || continue
    log "removing a stale lab: $(basename "$dir")-"
    stop_stale_nginx "$dir" "$owner"
    lab_down "$dir" "$(basename "$dir")-"
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^vb[0-9]+-'); do
    owner=$(sed -nE 's/^vb([0-9]+)-.*/\1/p' <<<"$ns")
    alive "$owner" && continue
    log "removing a stale namespace: $ns"
    del_ns "$ns"
  done
  for dir in /tmp/vb*-??????; do
    [ -d "$dir" ] || continue
    owner=$(basename "$dir" | sed -nE 's/^vb([0-9]+)-.*/\1/p')
    [ -n "$owner" ] && ! alive "$owner" && rm -rf "$dir"
  done
}

# The nginx of part 9 in a lab whose run died: its master's pid file is in the lab's state dir, and its command
# line names that run's /tmp/vb<PID>-... directory (so a reused PID is left alone).
stop_stale_nginx() {
  local f=$1/bench-nginx.pid pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "nginx.*/tmp/vb$2-" || return 0
  log "stopping a stale nginx (pid $pid)"
  stop_pid "$pid"
}

# Makes a namespace of ours with lo up; names are always $P<suffix>.
mkns() {
  local ns=$P$1
  ip netns add "$ns" || return 1
  ip -n "$ns" link set lo up
}

# ---------------------------------------------------------------- measuring
# How busy the CPUs are (percent, over one second) before we start: other work skews every figure.
cpu_busy() {
  local a b
  a=$(head -n1 /proc/stat); sleep 1; b=$(head -n1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { n = split(a, x); split(b, y); t = 0
    for (i = 2; i <= n; i++) t += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6]); printf "%.0f", (t > 0 ? 100 * (t - idle) / t : 0) }'
}

# Waits until CLIENT_NS can ping IP (up to SECONDS_MAX).
wait_ping() {
  local ns=$1 ip=$2 end=$((SECONDS + ${3:-10}))
  while [ $SECONDS -lt $end ]; do
    nsx "$ns" ping -c 1 -W 1 -q "$ip" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# Busy jiffies of all CPUs and all jiffies, from /proc/stat: "BUSY TOTAL".
cpu_jiffies() {
  awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
# utime + stime of a process (all its threads), in clock ticks; empty if it is gone.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# iperf_run CLIENT_NS SERVER_NS SERVER_IP OUT_JSON ARGS...: one iperf3 run against a fresh one-shot server.
iperf_run() {
  local cns=$1 sns=$2 sip=$3 json=$4 pidf=$TMP/iperf.$RANDOM.pid i
  shift 4
  nsx "$sns" iperf3 -s -1 -D -I "$pidf" --logfile "$TMP/iperf-server.log" || { log "iperf3 server did not start"; return 1; }
  for i in $(seq 1 50); do
    [ -s "$pidf" ] && nsx "$sns" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  [ -s "$pidf" ] && PIDS+=("$(cat "$pidf")")
  # In the background and waited for, so that a signal reaches the trap at once (not after the run).
  timeout $((SECS + 30)) ip netns exec "$cns" iperf3 -c "$sip" -t "$SECS" -J --connect-timeout 5000 "$@" \
    >"$json" 2>&1 &
  CHILD=$!
  wait "$CHILD"
  CHILD=""
  [ -s "$pidf" ] && stop_pid "$(cat "$pidf")"
  return 0
}
iperf_failed() {
  log "iperf3 $1 failed: $(jq -r '.error // empty' <"$2" 2>/dev/null || true)$(head -c 300 "$2" | grep -v '^[{ ]' || true)"
}

# profile_vnet PID KEY CLIENT_NS SERVER_NS SERVER_IP: one more single-stream run, profiled, its throughput not
# reported (profilers cost a little). Where perf is there: `perf record -a` of all CPUs (kernel and JIT code by
# name, from the JVM's perf map), as bench/results/KEY.perf.data and a summary by thread and by function. Java
# Flight Recorder on the lab's JVM (settings=profile: the stacks of running Java code every 10 ms), as
# bench/results/KEY.jfr and a summary of its hot frames. Both summaries: bench/results/KEY-profile.txt.
profile_vnet() {
  local pid=$1 key=$2 jfrf=$BENCH_DIR/results/$2.jfr perff=$BENCH_DIR/results/$2.perf.data
  local sum=$BENCH_DIR/results/$2-profile.txt perfpid="" jfr_on=""
  mkdir -p "$BENCH_DIR/results"
  rm -f "$jfrf" "$perff"
  if command -v jcmd >/dev/null 2>&1 && command -v jfr >/dev/null 2>&1 \
     && jcmd "$pid" JFR.start name=vnet-bench settings=profile >/dev/null 2>&1; then jfr_on=yes; fi
  if command -v perf >/dev/null 2>&1; then
    perf record -a -F 1999 -o "$perff" -- sleep $((SECS + 1)) >/dev/null 2>&1 &
    perfpid=$!
  fi
  iperf_run "$3" "$4" "$5" "$TMP/iperf-profile.json"
  [ -n "$perfpid" ] && wait "$perfpid"
  [ -n "$jfr_on" ] && { jcmd "$pid" JFR.stop name=vnet-bench filename="$jfrf" >/dev/null 2>&1 || rm -f "$jfrf"; }
  {
    printf '# %s: where the CPUs go during one more single-stream iperf3 run (%s s)\n' "$key" "$SECS"
    if [ -s "$perff" ]; then
      jcmd "$pid" Compiler.perfmap >/dev/null 2>&1   # /tmp/perf-PID.map: names for the JIT's code
      printf '\n# perf, all CPUs (%s): share of samples by thread and by where the code is\n' "${perff#"$ROOT"/}"
      perf report -i "$perff" --stdio --sort comm,dso 2>/dev/null | grep -E '^ +[0-9]' | head -25
      printf '\n# perf, all CPUs: the top functions (kernel, JVM and JIT-compiled Java)\n'
      perf report -i "$perff" --stdio --sort comm,sym 2>/dev/null | grep -E '^ +[0-9]' | head -40
      rm -f "/tmp/perf-$pid.map"
    else
      printf '\n# perf: not installed (apt-get install linux-perf), no whole-machine profile\n'
    fi
    if [ -s "$jfrf" ] && jfr print --json --events jdk.ExecutionSample "$jfrf" >"$TMP/jfr.json" 2>/dev/null; then
      printf '\n# Java Flight Recorder (%s): running Java code, samples by thread\n' "${jfrf#"$ROOT"/}"
      jq -r '[.recording.events[] | .values.sampledThread.javaName // .values.sampledThread.osName]
             | group_by(.) | map([length, .[0]]) | sort_by(-.[0]) | .[:10][] | "\(.[0])\t\(.[1])"' "$TMP/jfr.json"
      printf '\n# the method on top of the stack\n'
      jq -r '[.recording.events[] | .values.stackTrace.frames[0].method | "\(.type.name | gsub("/";".")).\(.name)"]
             | group_by(.) | map([length, .[0]]) | sort_by(-.[0]) | .[:25][] | "\(.[0])\t\(.[1])"' "$TMP/jfr.json"
      printf '\n# the innermost vnet method on each stack (time in vnet code and in what it calls)\n'
      jq -r '[.recording.events[] | [.values.stackTrace.frames[].method | select(.type.name | test("^dev[./]vnet"))][0]
              | select(. != null) | "\(.type.name | gsub("/";".")).\(.name)"]
             | group_by(.) | map([length, .[0]]) | sort_by(-.[0]) | .[:25][] | "\(.[0])\t\(.[1])"' "$TMP/jfr.json"
    fi
  } >"$sum" 2>/dev/null
  log "   profile: ${sum#"$ROOT"/}"
}

# measure SERVER_NS SERVER_IP CLIENT_NS [NODE_PID [KEY]] -> sets M[gbps rtt flood gbps4 kpps cores node_cores]
# (or fails with a message on stderr). NODE_PID: the vnet lab's JVM, whose CPU is read and which is profiled.
declare -A M
measure() {
  local sns=$1 sip=$2 cns=$3 npid=${4:-} key=${5:-} out j0 j1 t0 t1 json=$TMP/iperf-client.json
  M=()
  # Warm-up, the same for every setup: a JVM runs the forwarding code interpreted until it has seen a few
  # thousand packets, and a cold measurement would time the interpreter, not the data path. Then the RTT of an
  # idle path (a ping every 200 ms: every hop wakes a sleeping thread) and of a busy one (a flood: the next
  # ping leaves as soon as the reply is in, nothing sleeps long).
  nsx "$cns" ping -f -c 3000 -w 10 -q "$sip" >/dev/null 2>&1 || true
  out=$(nsx "$cns" ping -c 20 -i 0.2 -W 2 -q "$sip" 2>&1) || { log "ping failed: $out"; return 1; }
  M[rtt]=$(sed -nE 's#^(rtt|round-trip).* = [0-9.]+/([0-9.]+)/.*#\2#p' <<<"$out")
  [ -n "${M[rtt]}" ] || { log "could not read ping's RTT: $out"; return 1; }
  out=$(nsx "$cns" ping -f -c 2000 -w 10 -q "$sip" 2>&1) || true
  M[flood]=$(sed -nE 's#^(rtt|round-trip).* = [0-9.]+/([0-9.]+)/.*#\2#p' <<<"$out")

  # One TCP stream; the CPU it costs: all CPUs (busy cores, whoever the work is charged to: the kernel's
  # softirqs, iperf3, vnet) and, for vnet, the lab's JVM alone.
  read -r j0 _ < <(cpu_jiffies); t0=$([ -n "$npid" ] && proc_ticks "$npid")
  iperf_run "$cns" "$sns" "$sip" "$json" || return 1
  read -r j1 _ < <(cpu_jiffies); t1=$([ -n "$npid" ] && proc_ticks "$npid")
  M[gbps]=$(jq -r '.end.sum_received.bits_per_second // empty | . / 1e9 | (. * 100 | round) / 100' "$json" 2>/dev/null)
  [ -n "${M[gbps]}" ] || { iperf_failed "TCP" "$json"; return 1; }
  local hz secs
  hz=$(getconf CLK_TCK); secs=$(jq -r '.end.sum_received.seconds // empty' "$json" 2>/dev/null)
  M[cores]=$(awk -v d=$((j1 - j0)) -v hz="$hz" -v s="$secs" -v g="${M[gbps]}" \
    'BEGIN { if (s > 0 && g > 0) printf "%.3f", d / hz / s / g; else printf "n/a" }')
  M[node_cores]=n/a
  [ -n "$t0" ] && [ -n "$t1" ] && M[node_cores]=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$secs" -v g="${M[gbps]}" \
    'BEGIN { if (s > 0 && g > 0) printf "%.3f", d / hz / s / g; else printf "n/a" }')

  # Four TCP streams (both cores' worth of work), and small UDP packets as fast as iperf3 sends them: the
  # packet rate that arrived (what was sent minus what the receiver counted lost).
  iperf_run "$cns" "$sns" "$sip" "$json" -P 4
  M[gbps4]=$(jq -r '.end.sum_received.bits_per_second // empty | . / 1e9 | (. * 100 | round) / 100' "$json" 2>/dev/null)
  [ -n "${M[gbps4]}" ] || { iperf_failed "-P 4" "$json"; M[gbps4]=n/a; }
  iperf_run "$cns" "$sns" "$sip" "$json" -u -l 64 -b 0
  M[kpps]=$(jq -r '.end.sum | select(.packets != null and .seconds > 0)
                   | (.packets - .lost_packets) / .seconds / 1000 | (. * 10 | round) / 10' "$json" 2>/dev/null)
  [ -n "${M[kpps]}" ] || { iperf_failed "UDP" "$json"; M[kpps]=n/a; }
  [ -n "$npid" ] && [ -n "$key" ] && profile_vnet "$npid" "$key" "$cns" "$sns" "$sip"
  RESULT="${M[gbps]} ${M[rtt]}"
}

declare -A GBPS RTT NOTE FLOOD GBPS4 KPPS CORES NODE_CORES
ORDER=(kernel_bridge kernel_vxlan vde_switch tinc vnet_same vnet_cross)
declare -A LABEL=(
  [kernel_bridge]="kernel bridge"
  [kernel_vxlan]="kernel VXLAN, flannel-style"
  [vde_switch]="vde_switch (-t TAPs)"
  [tinc]="tinc 1.0 switch mode"
  [vnet_same]="vnet same node"
  [vnet_cross]="vnet cross node"
)
for k in "${ORDER[@]}"; do
  GBPS[$k]="n/a"; RTT[$k]="n/a"; NOTE[$k]="not run"
  FLOOD[$k]="n/a"; GBPS4[$k]="n/a"; KPPS[$k]="n/a"; CORES[$k]="n/a"; NODE_CORES[$k]="n/a"
done

# run_setup KEY FUNCTION: builds, measures, tears down; a failure makes the row "n/a (why)".
run_setup() {
  local key=$1 fn=$2
  log "== ${LABEL[$key]}"
  NOTE[$key]=""; RESULT=""
  if $fn && [ -n "$RESULT" ]; then
    GBPS[$key]=${RESULT% *}; RTT[$key]=${RESULT#* }
    FLOOD[$key]=${M[flood]:-n/a}; GBPS4[$key]=${M[gbps4]:-n/a}; KPPS[$key]=${M[kpps]:-n/a}
    CORES[$key]=${M[cores]:-n/a}; NODE_CORES[$key]=${M[node_cores]:-n/a}
    log "   ${GBPS[$key]} Gbit/s (4 streams ${GBPS4[$key]}), ${KPPS[$key]} kpps UDP 64 B, RTT ${RTT[$key]} ms (busy ${FLOOD[$key]})"
  else
    GBPS[$key]="n/a"; RTT[$key]="n/a"
    [ -s "$TMP/why" ] && NOTE[$key]=$(cat "$TMP/why") || NOTE[$key]="setup or measurement failed"
    log "   n/a (${NOTE[$key]})"
    [ "$key" = vnet_cross ] || STATUS=1
  fi
  : >"$TMP/why"
  "teardown_$fn"
}
why() { echo "$*" >"$TMP/why"; }

# ---------------------------------------------------------------- 1. kernel bridge
kbridge() {
  mkns kb-sw && mkns kb-a && mkns kb-b || { why "could not create namespaces"; return 1; }
  ip -n "${P}kb-sw" link add "${P}br" type bridge && ip -n "${P}kb-sw" link set "${P}br" up || return 1
  local s i=1
  for s in a b; do
    ip -n "${P}kb-$s" link add "${P}e" mtu 1450 type veth peer name "${P}$s" mtu 1450 netns "${P}kb-sw" || return 1
    ip -n "${P}kb-sw" link set "${P}$s" master "${P}br" up
    ip -n "${P}kb-$s" addr add "10.200.1.$i/24" dev "${P}e"
    ip -n "${P}kb-$s" link set "${P}e" up
    i=$((i + 1))
  done
  wait_ping "${P}kb-a" 10.200.1.2 5 || { why "ping failed"; return 1; }
  measure "${P}kb-b" 10.200.1.2 "${P}kb-a"
}
teardown_kbridge() { del_ns "${P}kb-a"; del_ns "${P}kb-b"; del_ns "${P}kb-sw"; }

# ---------------------------------------------------------------- 2. kernel VXLAN, flannel-style
# underlay: bridge ${P}ul in ${P}vx-ul, node i at 10.200.2.1i; node i: vxlan ${P}vx (MAC 0a:c8:00:00:00:0i,
# 10.200.1i.0/32), bridge ${P}cni 10.200.1i.1/24, veth to pod i (10.200.1i.2/24, default via .1).
kvxlan() {
  mkns vx-ul && mkns vx-n1 && mkns vx-n2 && mkns vx-p1 && mkns vx-p2 || { why "could not create namespaces"; return 1; }
  local ul="${P}vx-ul" i j n p
  ip -n "$ul" link add "${P}ul" type bridge && ip -n "$ul" link set "${P}ul" up || return 1
  for i in 1 2; do
    n="${P}vx-n$i"; p="${P}vx-p$i"
    nsx "$n" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$n" link add "${P}u" type veth peer name "${P}u$i" netns "$ul" || return 1
    ip -n "$ul" link set "${P}u$i" master "${P}ul" up
    ip -n "$n" addr add "10.200.2.1$i/24" dev "${P}u"
    ip -n "$n" link set "${P}u" up
    ip -n "$n" link add "${P}vx" address "0a:c8:00:00:00:0$i" mtu 1450 type vxlan id 1 dstport 4789 \
      local "10.200.2.1$i" dev "${P}u" nolearning || return 1
    ip -n "$n" addr add "10.200.1$i.0/32" dev "${P}vx"
    ip -n "$n" link set "${P}vx" up
    ip -n "$n" link add "${P}cni" mtu 1450 type bridge || return 1
    ip -n "$n" addr add "10.200.1$i.1/24" dev "${P}cni"
    ip -n "$n" link set "${P}cni" up
    ip -n "$p" link add "${P}e" mtu 1450 type veth peer name "${P}v" mtu 1450 netns "$n" || return 1
    ip -n "$n" link set "${P}v" master "${P}cni" up
    ip -n "$p" addr add "10.200.1$i.2/24" dev "${P}e"
    ip -n "$p" link set "${P}e" up
    ip -n "$p" route add default via "10.200.1$i.1"
  done
  # What flannel's vxlan backend programs per remote node: 1 route, 1 ARP entry, 1 FDB entry.
  for i in 1 2; do
    j=$((3 - i)); n="${P}vx-n$i"
    ip -n "$n" route add "10.200.1$j.0/24" via "10.200.1$j.0" dev "${P}vx" onlink || return 1
    ip -n "$n" neigh add "10.200.1$j.0" lladdr "0a:c8:00:00:00:0$j" dev "${P}vx" nud permanent || return 1
    bridge -n "$n" fdb add "0a:c8:00:00:00:0$j" dev "${P}vx" dst "10.200.2.1$j" self permanent || return 1
  done
  wait_ping "${P}vx-p1" 10.200.12.2 5 || { why "ping failed"; return 1; }
  measure "${P}vx-p2" 10.200.12.2 "${P}vx-p1"
}
teardown_kvxlan() { local s; for s in p1 p2 n1 n2 ul; do del_ns "${P}vx-$s"; done; }

# ---------------------------------------------------------------- 3. vde_switch with TAP ports
# vde_switch runs inside ${P}vd-sw, so its TAPs are born there (never in the root namespace), then move.
VDE_PID=""
vde() {
  mkns vd-sw && mkns vd-a && mkns vd-b || { why "could not create namespaces"; return 1; }
  local fifo=$TMP/vde.in s i=1 n
  mkfifo "$fifo" && exec 7<>"$fifo"          # keeps vde_switch's console input open while we hold fd 7
  nsx "${P}vd-sw" vde_switch -s "$TMP/vde.ctl" -t "${P}ta" -t "${P}tb" <"$fifo" 7>&- >"$TMP/vde.log" 2>&1 &
  VDE_PID=$!
  echo "$VDE_PID" >"$TMP/vde.pid"
  for n in $(seq 1 50); do
    ip -n "${P}vd-sw" link show "${P}tb" >/dev/null 2>&1 && break
    kill -0 "$VDE_PID" 2>/dev/null || break
    sleep 0.1
  done
  ip -n "${P}vd-sw" link show "${P}tb" >/dev/null 2>&1 || { why "vde_switch made no TAPs: $(tail -n1 "$TMP/vde.log")"; return 1; }
  for s in a b; do
    ip -n "${P}vd-sw" link set "${P}t$s" netns "${P}vd-$s" || return 1
    ip -n "${P}vd-$s" link set "${P}t$s" mtu 1450
    ip -n "${P}vd-$s" addr add "10.200.3.$i/24" dev "${P}t$s"
    ip -n "${P}vd-$s" link set "${P}t$s" up
    i=$((i + 1))
  done
  wait_ping "${P}vd-a" 10.200.3.2 5 || { why "ping failed"; return 1; }
  measure "${P}vd-b" 10.200.3.2 "${P}vd-a"
}
teardown_vde() {
  [ -s "$TMP/vde.pid" ] && stop_pid "$(cat "$TMP/vde.pid")"
  exec 7>&-
  rm -f "$TMP/vde.in" "$TMP/vde.pid"
  local s; for s in a b sw; do del_ns "${P}vd-$s"; done
}

# ---------------------------------------------------------------- 4. tinc 1.0, switch mode
# Node namespaces ${P}tc-1/2 joined by a veth (10.200.4.1/2); the endpoints are the tinc TAPs (10.200.5.1/2).
tinc_conf() {   # tinc_conf I: writes $TMP/tinc$I
  local i=$1 d=$TMP/tinc$1 connect=""
  mkdir -p "$d/hosts"
  [ "$i" = 1 ] && connect="ConnectTo = n2"
  sed -e "s/@NAME@/n$i/" -e "s/@IFACE@/${P}tap/" -e "s/@ADDRESS@/10.200.4.$i/" -e "s/@CONNECT@/$connect/" \
    "$BENCH_DIR/tinc/tinc.conf.in" >"$d/tinc.conf"
  sed -e "s/@ADDRESS@/10.200.4.$i/" "$BENCH_DIR/tinc/host.in" >"$d/hosts/n$i"
}
tinc() {
  mkns tc-1 && mkns tc-2 || { why "could not create namespaces"; return 1; }
  ip -n "${P}tc-1" link add "${P}u" type veth peer name "${P}u" netns "${P}tc-2" || return 1
  local i n
  for i in 1 2; do
    ip -n "${P}tc-$i" addr add "10.200.4.$i/24" dev "${P}u"
    ip -n "${P}tc-$i" link set "${P}u" up
    tinc_conf "$i"
    nsx "${P}tc-$i" tincd -c "$TMP/tinc$i" -K 2048 </dev/null >"$TMP/tinc$i.keygen.log" 2>&1 \
      || { why "tincd -K failed: $(tail -n1 "$TMP/tinc$i.keygen.log")"; return 1; }
  done
  cp "$TMP/tinc1/hosts/n1" "$TMP/tinc2/hosts/n1"
  cp "$TMP/tinc2/hosts/n2" "$TMP/tinc1/hosts/n2"
  for i in 2 1; do   # the listening side first
    nsx "${P}tc-$i" tincd -c "$TMP/tinc$i" -D -d0 --pidfile="$TMP/tinc$i.pid" >"$TMP/tinc$i.log" 2>&1 &
    PIDS+=("$!")
    for n in $(seq 1 50); do ip -n "${P}tc-$i" link show "${P}tap" >/dev/null 2>&1 && break; sleep 0.1; done
    ip -n "${P}tc-$i" link show "${P}tap" >/dev/null 2>&1 || { why "tincd made no TAP: $(tail -n1 "$TMP/tinc$i.log")"; return 1; }
    ip -n "${P}tc-$i" link set "${P}tap" mtu 1450
    ip -n "${P}tc-$i" addr add "10.200.5.$i/24" dev "${P}tap"
    ip -n "${P}tc-$i" link set "${P}tap" up
  done
  wait_ping "${P}tc-1" 10.200.5.2 30 || { why "ping failed"; return 1; }
  sleep 1   # let the UDP path settle after the first packets
  measure "${P}tc-2" 10.200.5.2 "${P}tc-1"
}
teardown_tinc() { del_ns "${P}tc-1"; del_ns "${P}tc-2"; rm -rf "$TMP"/tinc*; }

# ---------------------------------------------------------------- 5, 6. vnet
# vnet_lab TAG NODES NODE_A NODE_B PING_WAIT KEY: a lab with prefix ${P}TAG- and pods ${P}TAGa, ${P}TAGb.
vnet_lab() {
  local tag=$1 nodes=$2 na=$3 nb=$4 wait=$5 key=$6 pfx="${P}$1-" dir="$STATE_BASE/${P}$1" out pid ipa ipb n
  local pa="${P}${tag}a" pb="${P}${tag}b"
  mkdir -p "$STATE_BASE"
  out=$(vnet --state-dir "$dir" --prefix "$pfx" up -d --nodes "$nodes" 2>&1) || { why "vnet up failed: $(tail -n1 <<<"$out")"; return 1; }
  pid=$(grep -oE 'background \(pid [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
  echo "$dir $pfx ${pid:-}" >"$TMP/lab-$tag"
  sed -e "s/@POD_A@/$pa/" -e "s/@POD_B@/$pb/" -e "s/@NODE_A@/$na/" -e "s/@NODE_B@/$nb/" \
    "$BENCH_DIR/pods.yaml.in" >"$TMP/pods-$tag.yaml"
  out=$(vnet --state-dir "$dir" --prefix "$pfx" apply -f "$TMP/pods-$tag.yaml" 2>&1) || { why "vnet apply failed: $(tail -n1 <<<"$out")"; return 1; }
  for n in $(seq 1 120); do
    out=$(vnet --state-dir "$dir" --prefix "$pfx" get pods -o json 2>/dev/null)
    ipa=$(jq -r --arg n "$pa" '.items[] | select(.metadata.name == $n) | .status.podIP // empty' <<<"$out" 2>/dev/null)
    ipb=$(jq -r --arg n "$pb" '.items[] | select(.metadata.name == $n) | .status.podIP // empty' <<<"$out" 2>/dev/null)
    [ -n "$ipa" ] && [ -n "$ipb" ] && [ -e "/run/netns/$pa" ] && [ -e "/run/netns/$pb" ] && break
    sleep 0.5
  done
  [ -n "$ipa" ] && [ -n "$ipb" ] || { why "pods got no IP in 60 s"; return 1; }
  log "   $pa ($na) $ipa -> $pb ($nb) $ipb"
  wait_ping "$pa" "$ipb" "$wait" || { why "$( [ "$nodes" -gt 1 ] && echo cross-node ping failed || echo ping failed)"; return 1; }
  measure "$pb" "$ipb" "$pa" "${pid:-}" "$key"
}
vnet_teardown() {
  local f=$TMP/lab-$1
  [ -s "$f" ] || return 0
  # shellcheck disable=SC2046
  lab_down $(cat "$f")
  rm -f "$f"
  del_ns "${P}$1a"; del_ns "${P}$1b"
}
vnet_same() { vnet_lab s 1 node-1 node-1 10 vnet_same; }
teardown_vnet_same() { vnet_teardown s; }
vnet_cross() { vnet_lab x 2 node-1 node-2 10 vnet_cross; }
teardown_vnet_cross() { vnet_teardown x; }

# ---------------------------------------------------------------- report
ratio() {   # ratio A B -> A/B with 3 significant decimals, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.3f", a / b; else printf "n/a" }'
}
added_us() {   # added_us RTT_MS RTT_KERNEL_MS -> microseconds, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.0f", (a - b) * 1000; else printf "n/a" }'
}

report() {
  local k res=$BENCH_DIR/results/latest.txt note
  local tinc_note="endpoints: the tinc TAPs in the node namespaces"
  printf '\nvnet benchmark: iperf3 TCP 1 and 4 streams and UDP 64-byte packets (-b 0), %s s each; ping -c 20 -i 0.2\n' "$SECS"
  printf '(avg RTT of an idle path) after a 3000-ping flood (avg RTT of a busy path); CPU: busy cores per Gbit/s of\n'
  printf 'the one-stream run, all CPUs and (vnet) the lab JVM alone\n'
  printf 'CPU busy with other work at start: %s%% of %s CPUs%s\n\n' "$BUSY0" "$(nproc)" \
    "$(awk -v b="$BUSY0" 'BEGIN { if (b + 0 >= 15) printf " (figures may be low)" }')"
  printf '%-28s | %7s | %7s | %8s | %7s | %7s | %9s | %8s\n' "setup" "Gbit/s" "4 str." "UDP kpps" "RTT ms" "busy ms" "cores/Gb" "JVM c/Gb"
  printf '%-28s-+-%7s-+-%7s-+-%8s-+-%7s-+-%7s-+-%9s-+-%8s\n' "----------------------------" "-------" "-------" \
    "--------" "-------" "-------" "---------" "--------"
  for k in "${ORDER[@]}"; do
    if [ "${GBPS[$k]}" = "n/a" ]; then
      printf '%-28s | %s\n' "${LABEL[$k]}" "n/a (${NOTE[$k]})"
    else
      note=""; [ "$k" = tinc ] && note="   ($tinc_note)"
      printf '%-28s | %7s | %7s | %8s | %7s | %7s | %9s | %8s%s\n' "${LABEL[$k]}" "${GBPS[$k]}" "${GBPS4[$k]}" \
        "${KPPS[$k]}" "${RTT[$k]}" "${FLOOD[$k]}" "${CORES[$k]}" "${NODE_CORES[$k]}" "$note"
    fi
  done
  local r1 r2 r3 r4 a1 a2 p1 p2 u1 u2 b1 b2
  r1=$(ratio "${GBPS[vnet_same]}" "${GBPS[kernel_bridge]}")
  r2=$(ratio "${GBPS[vnet_cross]}" "${GBPS[kernel_vxlan]}")
  r3=$(ratio "${GBPS[vnet_same]}" "${GBPS[vde_switch]}")
  r4=$(ratio "${GBPS[vnet_cross]}" "${GBPS[tinc]}")
  p1=$(ratio "${GBPS4[vnet_same]}" "${GBPS4[kernel_bridge]}")
  p2=$(ratio "${GBPS4[vnet_cross]}" "${GBPS4[kernel_vxlan]}")
  u1=$(ratio "${KPPS[vnet_same]}" "${KPPS[kernel_bridge]}")
  u2=$(ratio "${KPPS[vnet_cross]}" "${KPPS[kernel_vxlan]}")
  a1=$(added_us "${RTT[vnet_same]}" "${RTT[kernel_bridge]}")
  a2=$(added_us "${RTT[vnet_cross]}" "${RTT[kernel_vxlan]}")
  b1=$(added_us "${FLOOD[vnet_same]}" "${FLOOD[kernel_bridge]}")
  b2=$(added_us "${FLOOD[vnet_cross]}" "${FLOOD[kernel_vxlan]}")
  printf '\nthroughput ratios:                 1 stream   4 streams   UDP 64 B pps\n'
  printf '  vnet same-node  / kernel bridge  %-10s %-11s %s\n' "$r1" "$p1" "$u1"
  printf '  vnet cross-node / kernel VXLAN   %-10s %-11s %s\n' "$r2" "$p2" "$u2"
  printf '  vnet same-node  / vde_switch     %s\n' "$r3"
  printf '  vnet cross-node / tinc           %s\n' "$r4"
  printf 'added RTT of vnet over the kernel: idle path   busy path\n'
  printf '  same node  (vs kernel bridge)    %-12s %s\n' "$a1$( [ "$a1" = n/a ] || echo ' µs')" "$b1$( [ "$b1" = n/a ] || echo ' µs')"
  printf '  cross node (vs kernel VXLAN)     %-12s %s\n' "$a2$( [ "$a2" = n/a ] || echo ' µs')" "$b2$( [ "$b2" = n/a ] || echo ' µs')"

  mkdir -p "$BENCH_DIR/results"
  {
    echo "# vnet benchmark results (scripts/bench.sh); n/a = not measured"
    echo "offloads=$( [ "${VNET_OFFLOADS:-on}" = off ] && echo off || echo on)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host_cpus=$(nproc)"
    echo "kernel=$(uname -r)"
    echo "bench_seconds=$SECS"
    echo "cpu_busy_percent_at_start=$BUSY0"
    for k in "${ORDER[@]}"; do
      echo "${k}_gbps=${GBPS[$k]}"
      echo "${k}_rtt_ms=${RTT[$k]}"
      echo "${k}_rtt_busy_ms=${FLOOD[$k]}"
      echo "${k}_gbps_4streams=${GBPS4[$k]}"
      echo "${k}_udp64_kpps=${KPPS[$k]}"
      echo "${k}_cores_per_gbps=${CORES[$k]}"
      case $k in vnet_*) echo "${k}_jvm_cores_per_gbps=${NODE_CORES[$k]}" ;; esac
      [ -n "${NOTE[$k]}" ] && echo "${k}_note=\"${NOTE[$k]}\""
    done
    echo "tinc_endpoints=\"$tinc_note\""
    echo "ratio_vnet_same_over_kernel_bridge=$r1"
    echo "ratio_vnet_cross_over_kernel_vxlan=$r2"
    echo "ratio_vnet_same_over_vde_switch=$r3"
    echo "ratio_vnet_cross_over_tinc=$r4"
    echo "added_rtt_us_vnet_same_over_kernel_bridge=$a1"
    echo "added_rtt_us_vnet_cross_over_kernel_vxlan=$a2"
    echo "ratio_vnet_same_over_kernel_bridge_4streams=$p1"
    echo "ratio_vnet_cross_over_kernel_vxlan_4streams=$p2"
    echo "ratio_vnet_same_over_kernel_bridge_udp64_pps=$u1"
    echo "ratio_vnet_cross_over_kernel_vxlan_udp64_pps=$u2"
    echo "added_busy_rtt_us_vnet_same_over_kernel_bridge=$b1"
    echo "added_busy_rtt_us_vnet_cross_over_kernel_vxlan=$b2"
  } >"$TMP/network.kv"
  if [ "$BENCH_ONLY" = throughput ]; then
    # Only what ran replaces its lines: the userspace peers' figures and the other parts' stay as they were.
    grep -vE '^(vde_switch|tinc)_|^ratio_vnet_(same_over_vde_switch|cross_over_tinc)=' "$TMP/network.kv" >"$TMP/ran.kv"
    {
      if [ -f "$res" ]; then
        awk -F= 'NR == FNR { if ($0 !~ /^#/) keep[$1] = 1; next } /^#/ || !($1 in keep)' "$TMP/ran.kv" "$res"
      else
        grep '^#' "$TMP/ran.kv"
      fi
      grep -v '^#' "$TMP/ran.kv"
    } >"$TMP/latest.txt" && cat "$TMP/latest.txt" >"$res"
  else
    cat "$TMP/network.kv" >"$res"
  fi
  printf '\nwritten: %s\n' "${res#"$ROOT"/}"
}

# ---------------------------------------------------------------- 7. Services and conntrack (in process)
# ServiceBench runs kube-proxy's job (vnet-nat's ServiceProxy, Conntrack) on synthetic packets inside one JVM,
# with its own clock; it prints its tables and writes key=value figures (services_*, conntrack_*) that go into
# latest.txt. The heap is explicit: the conntrack memory figures are heap readings. About 25 s.
SVC_JAVA=(java -Xms1g -Xmx1g)
read -r -a SVC_ARGS <<<"${SERVICES_BENCH_ARGS:-}"

# Replaces the services_* and conntrack_* lines of latest.txt with those on stdin; other lines stay.
services_results() {
  local res=$BENCH_DIR/results/latest.txt
  mkdir -p "$BENCH_DIR/results"
  {
    if [ -f "$res" ]; then grep -vE '^(services|conntrack)_' "$res"
    else echo "# vnet benchmark results (scripts/bench.sh); n/a = not measured"; fi
    cat
  } >"$TMP/latest.txt" && cat "$TMP/latest.txt" >"$res"
  printf 'written: %s (services_*, conntrack_* lines)\n' "${res#"$ROOT"/}"
}
services_failed() {
  log "   n/a ($*)"
  echo "services_note=\"n/a: $*\"" | services_results
  STATUS=1
}

services_bench() {
  local kv=$TMP/services.kv buildlog=$TMP/services-build.log busy rc
  local cp="$ROOT/vnet-core/target/classes:$ROOT/vnet-nat/target/classes:$ROOT/vnet-nat/target/test-classes"
  log "== Services and conntrack (in process, no network)"
  command -v java >/dev/null 2>&1 || { services_failed "no java"; return; }
  command -v mvn >/dev/null 2>&1 || { services_failed "no mvn"; return; }
  # Main and test classes of vnet-core and vnet-nat, no test run; offline first, then with the network.
  if ! (cd "$ROOT" && mvn -q -B -o -pl vnet-core,vnet-nat test-compile) >"$buildlog" 2>&1 \
     && ! (cd "$ROOT" && mvn -q -B -pl vnet-core,vnet-nat test-compile) >"$buildlog" 2>&1; then
    services_failed "mvn test-compile failed: $(grep -m1 -E 'ERROR' "$buildlog" | cut -c1-200)"
    return
  fi
  busy=$(cpu_busy)
  # In the background and waited for, so that a signal reaches the trap at once.
  timeout 300 "${SVC_JAVA[@]}" -cp "$cp" dev.vnet.nat.bench.ServiceBench --kv="$kv" "${SVC_ARGS[@]}" &
  CHILD=$!
  wait "$CHILD"; rc=$?
  CHILD=""
  if [ "$rc" -ne 0 ] || [ ! -s "$kv" ]; then
    services_failed "ServiceBench failed (exit $rc)"
    return
  fi
  printf '\n'
  { echo "services_cpu_busy_percent_at_start=$busy"; cat "$kv"; } | services_results
}

# ---------------------------------------------------------------- 8. NetworkPolicy (in process)
# PolicyBench runs vnet-policy's PolicySet on synthetic pods and policies inside one JVM; it prints its table
# and writes key=value figures (policy_*) that go into latest.txt. About 45 s.
POLICY_JAVA=(java -Xms512m -Xmx512m)
read -r -a POLICY_ARGS <<<"${POLICY_BENCH_ARGS:-}"

# Replaces the policy_* lines of latest.txt with those on stdin; other lines stay.
policy_results() {
  local res=$BENCH_DIR/results/latest.txt
  mkdir -p "$BENCH_DIR/results"
  {
    if [ -f "$res" ]; then grep -vE '^policy_' "$res"
    else echo "# vnet benchmark results (scripts/bench.sh); n/a = not measured"; fi
    cat
  } >"$TMP/latest.txt" && cat "$TMP/latest.txt" >"$res"
  printf 'written: %s (policy_* lines)\n' "${res#"$ROOT"/}"
}
policy_failed() {
  log "   n/a ($*)"
  echo "policy_note=\"n/a: $*\"" | policy_results
  STATUS=1
}

policy_bench() {
  local kv=$TMP/policy.kv buildlog=$TMP/policy-build.log cpfile=$TMP/policy.cp busy rc cp
  log "== NetworkPolicy decisions (in process, no network)"
  command -v java >/dev/null 2>&1 || { policy_failed "no java"; return; }
  command -v mvn >/dev/null 2>&1 || { policy_failed "no mvn"; return; }
  # Main and test classes of vnet-core and vnet-policy, no test run, and the class path of the fabric8 model
  # they use; offline first, then with the network.
  local goals=(-pl "vnet-core,vnet-policy" test-compile dependency:build-classpath -Dmdep.outputFile="$cpfile"
               -Dmdep.includeScope=test)
  if ! (cd "$ROOT" && mvn -q -B -o "${goals[@]}") >"$buildlog" 2>&1 \
     && ! (cd "$ROOT" && mvn -q -B "${goals[@]}") >"$buildlog" 2>&1; then
    policy_failed "mvn test-compile failed: $(grep -m1 -E 'ERROR' "$buildlog" | cut -c1-200)"
    return
  fi
  cp="$ROOT/vnet-policy/target/classes:$ROOT/vnet-policy/target/test-classes:$(cat "$cpfile")"
  busy=$(cpu_busy)
  # In the background and waited for, so that a signal reaches the trap at once.
  timeout 300 "${POLICY_JAVA[@]}" -cp "$cp" dev.vnet.policy.bench.PolicyBench --kv="$kv" "${POLICY_ARGS[@]}" &
  CHILD=$!
  wait "$CHILD"; rc=$?
  CHILD=""
  if [ "$rc" -ne 0 ] || [ ! -s "$kv" ]; then
    policy_failed "PolicyBench failed (exit $rc)"
    return
  fi
  printf '\n'
  { echo "policy_cpu_busy_percent_at_start=$busy"; cat "$kv"; } | policy_results
}

# ---------------------------------------------------------------- 9. ingress controller vs nginx (HTTP, wrk)
# One 2-node lab (prefix ${P}ig-) serves both proxies, so they are reached the same way and proxy to the same
# pods through the same data plane: wrk in the lab's outside namespace -> a LoadBalancer IP held by node N
# (ARP, DNAT in vnet) -> the proxy's pod on node N -> two whoami pods, one per node, kept-alive upstreams.
#   vnet:  the lab's own controller (pod <prefix>ingress-controller in namespace ingress, LoadBalancer Service
#          ingress/ingress-controller), routing the Ingress "bench" (host bench.example) to Service bench-web
#   nginx: Debian's nginx in a pod of its own (sleep infinity) on the controller's node, started by this script
#          in that pod's netns, 2 workers, upstream keepalive 32, behind LoadBalancer Service bench-nginx whose
#          IP is held by the same node as the controller's
# Both write one access-log line per request (the controller to its log, nginx to a file), both set the same
# X-Forwarded-* headers, neither limits the requests of a kept-alive connection.
ING_ORDER=(vnet nginx)
declare -A ING_RPS ING_P50 ING_P99 ING_NOTE
declare -A ING_LABEL=([vnet]="vnet ingress controller" [nginx]="nginx reverse proxy")
for k in "${ING_ORDER[@]}"; do ING_RPS[$k]="n/a"; ING_P50[$k]="n/a"; ING_P99[$k]="n/a"; ING_NOTE[$k]="not run"; done
ING_HOST=bench.example
ING_WARMUP=30                    # seconds of wrk per proxy before the measured runs, discarded (JIT, pools)
ING_PFX="${P}ig-"
ING_DIR="$STATE_BASE/${P}ig"
ING_NGINX_POD="${P}ign"
ING_LB="" NGINX_LB="" ING_NODE="" ING_PLACEMENT="" NGINX_VERSION="" NGINX_PID=""
ivnet() { vnet --state-dir "$ING_DIR" --prefix "$ING_PFX" "$@"; }

# Which node answers ARP for a Service's LoadBalancer IP, as `vnet describe svc` says.
lb_node() { ivnet describe svc "$@" 2>/dev/null | sed -nE 's/.*answered by ARP from ([^) ]+).*/\1/p' | head -n1; }

# The two whoami pods, their Service and the Ingress; the nginx pod and its LoadBalancer Service.
ingress_manifest() {   # ingress_manifest NGINX_NODE NGINX_LB EXTERNAL_TRAFFIC_POLICY
  local i
  for i in 1 2; do
    cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: ${P}igw$i
  labels:
    app: bench-web
spec:
  nodeName: node-$i
  containers:
  - name: web
    image: whoami
    ports:
    - name: http
      containerPort: 8080
---
YAML
  done
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: bench-web
spec:
  selector:
    app: bench-web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bench
spec:
  ingressClassName: vnet
  rules:
  - host: $ING_HOST
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: bench-web
            port:
              number: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: $ING_NGINX_POD
  labels:
    app: bench-nginx
spec:
  nodeName: $1
  containers:
  - name: wait
    image: busybox
    command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Service
metadata:
  name: bench-nginx
spec:
  type: LoadBalancer
  loadBalancerIP: $2
  externalTrafficPolicy: $3
  selector:
    app: bench-nginx
  ports:
  - name: http
    port: 80
    targetPort: 80
YAML
}

# nginx as ingress-nginx runs it, where the two differ from nginx's defaults: reuseport, proxy_buffering off,
# the forwarded headers; the timeouts and limits of the vnet controller (connect 2 s, read 60 s, clients idle 75 s,
# bodies 16 MiB, no cap on requests per connection).
nginx_conf() {   # nginx_conf DIR PIDFILE IP1 IP2
  cat <<CONF
user root;
worker_processes 2;
pid $2;
error_log $1/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreaminfo '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent '
                          '"\$http_referer" "\$http_user_agent" \$request_length \$request_time [default-bench-web-80] '
                          '[] \$upstream_addr \$upstream_response_length \$upstream_response_time \$upstream_status \$request_id';
  access_log $1/access.log upstreaminfo;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  client_max_body_size 16m;
  upstream bench_web {
    server $3:8080;
    server $4:8080;
    keepalive 32;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
  }
  server {
    listen 80 default_server reuseport;
    location / {
      proxy_pass http://bench_web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Request-ID \$request_id;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Scheme \$scheme;
      proxy_set_header X-Scheme \$scheme;
      proxy_buffering off;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_send_timeout 60s;
    }
  }
}
CONF
}

# Waits until an HTTP GET from the outside namespace to IP (Host: bench.example) gets whoami's answer, then checks
# that both whoami pods answer through it (new connections each, so the balancer gets to pick).
wait_http() {   # wait_http IP WHAT MAX_SECONDS
  local ip=$1 what=$2 end=$((SECONDS + $3)) seen="" i body
  while [ $SECONDS -lt $end ]; do
    nsx "${ING_PFX}outside" curl -s -m 2 -H "Host: $ING_HOST" "http://$ip/" 2>/dev/null | grep -q '^Hostname: ' && break
    sleep 0.5
  done
  [ $SECONDS -lt $end ] || { why "$what at $ip did not answer with whoami in $3 s"; return 1; }
  for i in $(seq 1 20); do
    body=$(nsx "${ING_PFX}outside" curl -s -m 2 -H "Host: $ING_HOST" "http://$ip/" 2>/dev/null)
    seen+="$(sed -nE 's/^Hostname: //p' <<<"$body")"$'\n'
  done
  [ "$(grep -c . < <(sort -u <<<"$seen"))" -ge 2 ] || log "   note: only $(sort -u <<<"$seen" | grep . | tr '\n' ' ')answered through $what"
}

ingress_setup() {
  local out pid end ctl="${ING_PFX}ingress-controller" etp last w1 w2 node_ctl node_ngx
  mkdir -p "$STATE_BASE"
  out=$(ivnet up -d --nodes 2 2>&1) || { why "vnet up failed: $(tail -n1 <<<"$out")"; return 1; }
  pid=$(grep -oE 'background \(pid [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
  echo "$ING_DIR $ING_PFX ${pid:-}" >"$TMP/lab-ig"
  end=$((SECONDS + 90))   # each vnet command is a JVM start: the waits count seconds, not rounds
  while [ $SECONDS -lt $end ]; do
    out=$(ivnet get svc ingress-controller -n ingress -o json 2>/dev/null)
    ING_LB=$(jq -r '.status.loadBalancer.ingress[0].ip // empty' <<<"$out" 2>/dev/null)
    etp=$(jq -r '.spec.externalTrafficPolicy // "Cluster"' <<<"$out" 2>/dev/null)
    ING_NODE=$(ivnet get pods -n ingress -o json 2>/dev/null | jq -r --arg n "$ctl" \
      '.items[] | select(.metadata.name == $n and .status.phase == "Running") | .spec.nodeName // empty' 2>/dev/null)
    [ -n "$ING_LB" ] && [ -n "$ING_NODE" ] && break
    sleep 0.5
  done
  [ -n "$ING_LB" ] || { why "Service ingress/ingress-controller got no LoadBalancer IP in 90 s"; return 1; }
  [ -n "$ING_NODE" ] || { why "pod ingress/$ctl is not Running after 90 s"; return 1; }
  # A LoadBalancer IP is held by the node its last octet picks (modulo the node count): 2 below (or above) the
  # controller's IP, inside the pool .200-.250, is held by the same node in a 2-node lab. Checked below, as
  # `vnet describe svc` reports it.
  last=${ING_LB##*.}
  if [ "$last" -ge 202 ]; then last=$((last - 2)); elif [ "$last" -le 248 ]; then last=$((last + 2)); else
    why "no LoadBalancer IP for nginx next to $ING_LB"; return 1
  fi
  NGINX_LB="${ING_LB%.*}.$last"
  ingress_manifest "$ING_NODE" "$NGINX_LB" "$etp" >"$TMP/ingress.yaml"
  out=$(ivnet apply -f "$TMP/ingress.yaml" 2>&1) || { why "vnet apply failed: $(tail -n1 <<<"$out")"; return 1; }
  end=$((SECONDS + 60))
  while [ $SECONDS -lt $end ]; do
    out=$(ivnet get pods -o json 2>/dev/null)
    w1=$(jq -r --arg n "${P}igw1" '.items[] | select(.metadata.name == $n) | .status.podIP // empty' <<<"$out" 2>/dev/null)
    w2=$(jq -r --arg n "${P}igw2" '.items[] | select(.metadata.name == $n) | .status.podIP // empty' <<<"$out" 2>/dev/null)
    [ -n "$w1" ] && [ -n "$w2" ] && [ -e "/run/netns/$ING_NGINX_POD" ] && break
    sleep 0.5
  done
  if [ -z "$w1" ] || [ -z "$w2" ] || [ ! -e "/run/netns/$ING_NGINX_POD" ]; then why "pods got no IP in 60 s"; return 1; fi
  node_ctl=$(lb_node ingress-controller -n ingress)
  node_ngx=$(lb_node bench-nginx)
  ING_PLACEMENT="proxies on $ING_NODE; LB IPs $ING_LB (${node_ctl:-?}), $NGINX_LB (${node_ngx:-?}); whoami ${P}igw1 node-1 $w1, ${P}igw2 node-2 $w2; externalTrafficPolicy $etp"
  log "   $ING_PLACEMENT"
  if [ -z "$node_ctl" ] || [ "$node_ctl" != "$node_ngx" ]; then
    log "   note: the LoadBalancer IPs are not answered by the same node (${node_ctl:-?}, ${node_ngx:-?})"
  fi
  wait_http "$ING_LB" "the vnet controller" 90 || return 1
  ingress_nginx_start "$w1" "$w2" || return 1
  wait_http "$NGINX_LB" "nginx" 30
}

ingress_nginx_start() {   # ingress_nginx_start IP1 IP2
  local d=$TMP/nginx pidf=$ING_DIR/bench-nginx.pid n
  mkdir -p "$d"
  NGINX_VERSION=$(nginx -v 2>&1 | sed -nE 's#.*nginx/([^ ]+).*#\1#p')
  # The pid file sits in the lab's state dir, where clean_leftovers looks for one after a crashed run.
  nginx_conf "$d" "$pidf" "$1" "$2" >"$d/nginx.conf"
  # `ip netns exec` execs nginx, so $! is nginx's master (it stops its workers on TERM).
  nsx "$ING_NGINX_POD" nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" -g 'daemon off;' </dev/null >"$d/out.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  for n in $(seq 1 50); do
    nsx "$ING_NGINX_POD" ss -Hltn 'sport = :80' | grep -q . && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  why "nginx did not start: $(cat "$d/out.log" "$d/error.log" 2>/dev/null | tail -n1)"
  return 1
}

ingress_teardown() {
  [ -n "$NGINX_PID" ] && stop_pid "$NGINX_PID"
  NGINX_PID=""
  vnet_teardown ig
  local s; for s in w1 w2 n; do del_ns "${P}ig$s"; done
}

# wrk from the lab's outside namespace; in the background and waited for, so that a signal reaches the trap at once.
wrk_run() {   # wrk_run IP SECONDS OUTFILE
  timeout $(($2 + 30)) ip netns exec "${ING_PFX}outside" wrk -t2 -c16 -d"$2"s --latency -H "Host: $ING_HOST" \
    "http://$1/" >"$3" 2>&1 &
  CHILD=$!
  wait "$CHILD"; local rc=$?
  CHILD=""
  return $rc
}

to_ms() {   # to_ms 850.00us|1.23ms|1.02s|1.50m -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (v !~ /^[0-9.]+[a-z]+$/ || f < 0) print ""; else printf "%.3f", n * f }'
}

# ingress_measure KEY IP: sets ING_RPS/P50/P99[KEY] from one wrk run, or fails with why.
ingress_measure() {
  local key=$1 out=$TMP/wrk-$1.txt rps p50 p99 bad total errs
  wrk_run "$2" "$SECS" "$out" || { why "wrk failed: $(tail -n1 "$out")"; return 1; }
  rps=$(sed -nE 's#^Requests/sec:[[:space:]]+([0-9.]+).*#\1#p' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  total=$(sed -nE 's/^[[:space:]]*([0-9]+) requests in .*/\1/p' "$out")
  bad=$(sed -nE 's/.*Non-2xx or 3xx responses: ([0-9]+).*/\1/p' "$out")
  errs=$(sed -nE 's/.*Socket errors: (.*)/\1/p' "$out")
  if [ -z "$rps" ] || [ -z "$p50" ] || [ -z "$p99" ]; then
    why "could not read wrk's output: $(tr '\n' ' ' <"$out" | cut -c1-200)"
    return 1
  fi
  [ -z "$bad" ] || { why "$bad of ${total:-?} responses were not 2xx/3xx"; return 1; }
  ING_RPS[$key]=$(printf '%.0f' "$rps"); ING_P50[$key]=$p50; ING_P99[$key]=$p99
  [ -n "$errs" ] && ING_NOTE[$key]="socket errors: $errs"
  log "   ${ING_LABEL[$key]}: ${ING_RPS[$key]} req/s, p50 $p50 ms, p99 $p99 ms${errs:+ (socket errors: $errs)}"
}

ingress_bench() {
  local k ok=yes
  log "== Ingress: vnet's controller and nginx (wrk -t2 -c16, ${SECS} s, after ${ING_WARMUP} s of warm-up each)"
  ING_BUSY=$(cpu_busy)
  : >"$TMP/why"
  if ingress_setup; then
    # Warm-up of both first (the controller's JVM and the lab's data plane get hot), then the measured runs.
    wrk_run "$ING_LB" "$ING_WARMUP" "$TMP/wrk-warm-vnet.txt" || true
    wrk_run "$NGINX_LB" "$ING_WARMUP" "$TMP/wrk-warm-nginx.txt" || true
    for k in "${ING_ORDER[@]}"; do
      ING_NOTE[$k]=""
      if [ "$k" = vnet ]; then ingress_measure vnet "$ING_LB"; else ingress_measure nginx "$NGINX_LB"; fi \
        || { ING_NOTE[$k]=$(cat "$TMP/why"); ok=""; log "   ${ING_LABEL[$k]}: n/a (${ING_NOTE[$k]})"; }
      [ "$k" = nginx ] && log "   nginx's access log: $(wc -l <"$TMP/nginx/access.log" 2>/dev/null || echo 0) lines"
      : >"$TMP/why"
    done
  else
    for k in "${ING_ORDER[@]}"; do ING_NOTE[$k]=$(cat "$TMP/why"); done
    log "   n/a ($(cat "$TMP/why"))"
    ok=""
  fi
  : >"$TMP/why"
  ingress_teardown
  [ -n "$ok" ] || STATUS=1
  ingress_report
}

ingress_report() {
  local k r_rps r_p99 goal v
  r_rps=$(ratio "${ING_RPS[vnet]}" "${ING_RPS[nginx]}")
  r_p99=$(ratio "${ING_P99[vnet]}" "${ING_P99[nginx]}")
  goal=$(awk -v a="$r_rps" -v b="$r_p99" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"
    else if (a >= 0.7 && b <= 2) print "met"; else print "not met" }')
  v=${NGINX_VERSION:+ $NGINX_VERSION}
  printf '\ningress: wrk -t2 -c16 -d%ss --latency (keep-alive), Host: %s, from the lab'"'"'s outside namespace,\n' "$SECS" "$ING_HOST"
  printf 'after %s s of warm-up each; the same 2 whoami pods behind both; one access-log line per request in both\n' "$ING_WARMUP"
  [ -n "$ING_PLACEMENT" ] && printf '%s\n' "$ING_PLACEMENT"
  printf 'CPU busy with other work at start: %s%% of %s CPUs%s\n\n' "$ING_BUSY" "$(nproc)" \
    "$(awk -v b="$ING_BUSY" 'BEGIN { if (b + 0 >= 15) printf " (figures may be low)" }')"
  printf '%-30s | %8s | %8s | %8s\n' "proxy" "req/s" "p50 ms" "p99 ms"
  printf '%-30s-+-%8s-+-%8s-+-%8s\n' "------------------------------" "--------" "--------" "--------"
  for k in "${ING_ORDER[@]}"; do
    local label=${ING_LABEL[$k]}
    [ "$k" = nginx ] && label="nginx$v, 2 workers"
    if [ "${ING_RPS[$k]}" = "n/a" ]; then
      printf '%-30s | %s\n' "$label" "n/a (${ING_NOTE[$k]})"
    else
      printf '%-30s | %8s | %8s | %8s%s\n' "$label" "${ING_RPS[$k]}" "${ING_P50[$k]}" "${ING_P99[$k]}" \
        "${ING_NOTE[$k]:+   (${ING_NOTE[$k]})}"
    fi
  done
  printf '\nvnet / nginx: requests/s %s, p99 %s\n' "$r_rps" "$r_p99"
  printf "goal: ≥ 0.7× nginx's requests/s, p99 ≤ 2× nginx's: %s\n" "$goal"
  {
    echo "ingress_cpu_busy_percent_at_start=$ING_BUSY"
    echo "ingress_seconds=$SECS"
    echo "ingress_warmup_seconds=$ING_WARMUP"
    echo "ingress_wrk=\"wrk -t2 -c16 --latency -H 'Host: $ING_HOST', keep-alive\""
    echo "ingress_nginx_version=${NGINX_VERSION:-n/a}"
    [ -n "$ING_PLACEMENT" ] && echo "ingress_placement=\"$ING_PLACEMENT\""
    for k in "${ING_ORDER[@]}"; do
      echo "ingress_${k}_rps=${ING_RPS[$k]}"
      echo "ingress_${k}_p50_ms=${ING_P50[$k]}"
      echo "ingress_${k}_p99_ms=${ING_P99[$k]}"
      [ -n "${ING_NOTE[$k]}" ] && echo "ingress_${k}_note=\"${ING_NOTE[$k]}\""
    done
    echo "ingress_ratio_rps_vnet_over_nginx=$r_rps"
    echo "ingress_ratio_p99_vnet_over_nginx=$r_p99"
    echo "ingress_goal=\"rps >= 0.7x nginx, p99 <= 2x nginx\""
    case $goal in met) echo "ingress_goal_met=yes" ;; n/a) echo "ingress_goal_met=n/a" ;; *) echo "ingress_goal_met=no" ;; esac
  } | ingress_results
}

# Replaces the ingress_* lines of latest.txt with those on stdin; other lines stay.
ingress_results() {
  local res=$BENCH_DIR/results/latest.txt
  mkdir -p "$BENCH_DIR/results"
  {
    if [ -f "$res" ]; then grep -vE '^ingress_' "$res"
    else echo "# vnet benchmark results (scripts/bench.sh); n/a = not measured"; fi
    cat
  } >"$TMP/latest.txt" && cat "$TMP/latest.txt" >"$res"
  printf '\nwritten: %s (ingress_* lines)\n' "${res#"$ROOT"/}"
}

# ---------------------------------------------------------------- main
if [ "$BENCH_ONLY" = services ]; then
  TMP=$(mktemp -d "/tmp/${P}XXXXXX")
  services_bench
  exit $STATUS
fi
if [ "$BENCH_ONLY" = policy ]; then
  TMP=$(mktemp -d "/tmp/${P}XXXXXX")
  policy_bench
  exit $STATUS
fi
if [ "$BENCH_ONLY" = ingress ]; then
  install_missing ip ss ping jq timeout wrk nginx curl
  [ -n "${VNET:-}" ] || [ -f "$ROOT/lab-cli/target/vnet.jar" ] || die "no lab-cli/target/vnet.jar: build first (make build)"
  clean_leftovers
  TMP=$(mktemp -d "/tmp/${P}XXXXXX")
  ingress_bench
  exit $STATUS
fi
if [ "$BENCH_ONLY" = throughput ]; then
  install_missing ip ss bridge ping iperf3 jq timeout perf
  [ -n "${VNET:-}" ] || [ -f "$ROOT/lab-cli/target/vnet.jar" ] || die "no lab-cli/target/vnet.jar: build first (make build)"
  clean_leftovers
  TMP=$(mktemp -d "/tmp/${P}XXXXXX")
  BUSY0=$(cpu_busy)
  : >"$TMP/why"
  run_setup kernel_bridge kbridge
  run_setup kernel_vxlan kvxlan
  run_setup vnet_same vnet_same
  run_setup vnet_cross vnet_cross
  report
  exit $STATUS
fi
install_missing
[ -n "${VNET:-}" ] || [ -f "$ROOT/lab-cli/target/vnet.jar" ] || die "no lab-cli/target/vnet.jar: build first (make build)"
clean_leftovers
TMP=$(mktemp -d "/tmp/${P}XXXXXX")
BUSY0=$(cpu_busy)
: >"$TMP/why"

run_setup kernel_bridge kbridge
run_setup kernel_vxlan kvxlan
run_setup vde_switch vde
run_setup tinc tinc
run_setup vnet_same vnet_same
run_setup vnet_cross vnet_cross
report
services_bench
policy_bench
ingress_bench
exit $STATUS
