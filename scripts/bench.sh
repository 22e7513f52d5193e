#!/usr/bin/env bash
# `make bench`: throughput (iperf3, TCP, one stream) and latency (ping) between two endpoints, for vnet and
# for the kernel's and other userspace networks built the same way in this run, then the ratios.
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
#
# Everything runs inside network namespaces this script creates (names start with vb<PID>-); the root
# namespace gets no link, address or route, and sends no traffic. Setups run one after another (2 cores).
# Env: BENCH_SECONDS (iperf3 duration, default 5), VNET (the vnet command, default java -jar lab-cli/target/vnet.jar),
#      BENCH_ONLY=services (only part 7: no namespaces, no root needed; the network figures already in
#      latest.txt stay), SERVICES_BENCH_ARGS (options for ServiceBench, e.g. "--rounds=5 --verbose=true"),
#      BENCH_ONLY=policy (only part 8, likewise), POLICY_BENCH_ARGS (options for PolicyBench, e.g. "--rounds=5").
# Results: a table on stdout and bench/results/latest.txt (key=value lines).
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
case $BENCH_ONLY in ""|services|policy) ;; *) die "BENCH_ONLY must be empty, services or policy, not $BENCH_ONLY" ;; esac
[ -n "$BENCH_ONLY" ] || [ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, TAP devices)"
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 120 ] || die "BENCH_SECONDS must be 1..120"

install_missing() {
  local -A need=([ip]=iproute2 [ss]=iproute2 [bridge]=iproute2 [ping]=iputils-ping [iperf3]=iperf3
                 [vde_switch]=vde2 [tincd]=tinc [jq]=jq [timeout]=coreutils [mkfifo]=coreutils)
  local missing=() t
  for t in "${!need[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("${need[$t]}"); done
  if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/vnet-bench-apt.log 2>&1 \
      || die "apt-get install ${missing[*]} failed (see /tmp/vnet-bench-apt.log)"
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
  local ns=$1 ip=$2 max=${3:-10} end=$((SECONDS + ${3:-10}))
  while [ $SECONDS -lt $end ]; do
    nsx "$ns" ping -c 1 -W 1 -q "$ip" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# measure SERVER_NS SERVER_IP CLIENT_NS -> sets RESULT="GBPS RTT_MS" (or fails with a message on stderr)
measure() {
  local sns=$1 sip=$2 cns=$3 out rtt gbps pidf=$TMP/iperf.$RANDOM.pid i
  # Warm-up, the same for every setup: a JVM runs the forwarding code interpreted until it has seen a few
  # thousand packets, and a cold measurement would time the interpreter, not the data path.
  nsx "$cns" ping -f -c 3000 -w 10 -q "$sip" >/dev/null 2>&1 || true
  out=$(nsx "$cns" ping -c 20 -i 0.2 -W 2 -q "$sip" 2>&1) || { log "ping failed: $out"; return 1; }
  rtt=$(sed -nE 's#^(rtt|round-trip).* = [0-9.]+/([0-9.]+)/.*#\2#p' <<<"$out")
  [ -n "$rtt" ] || { log "could not read ping's RTT: $out"; return 1; }

  nsx "$sns" iperf3 -s -1 -D -I "$pidf" --logfile "$TMP/iperf-server.log" || { log "iperf3 server did not start"; return 1; }
  for i in $(seq 1 50); do
    [ -s "$pidf" ] && nsx "$sns" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  [ -s "$pidf" ] && PIDS+=("$(cat "$pidf")")
  # In the background and waited for, so that a signal reaches the trap at once (not after the run).
  timeout $((SECS + 30)) ip netns exec "$cns" iperf3 -c "$sip" -t "$SECS" -J --connect-timeout 5000 \
    >"$TMP/iperf-client.json" 2>&1 &
  CHILD=$!
  wait "$CHILD"
  CHILD=""
  out=$(cat "$TMP/iperf-client.json")
  gbps=$(jq -r '.end.sum_received.bits_per_second // empty | . / 1e9 | (. * 100 | round) / 100' <<<"$out" 2>/dev/null)
  [ -s "$pidf" ] && stop_pid "$(cat "$pidf")"
  if [ -z "$gbps" ]; then
    log "iperf3 failed: $(jq -r '.error // empty' <<<"$out" 2>/dev/null || true)$(head -c 300 <<<"$out" | grep -v '^[{ ]' || true)"
    return 1
  fi
  RESULT="$gbps $rtt"
}

declare -A GBPS RTT NOTE
ORDER=(kernel_bridge kernel_vxlan vde_switch tinc vnet_same vnet_cross)
declare -A LABEL=(
  [kernel_bridge]="kernel bridge"
  [kernel_vxlan]="kernel VXLAN, flannel-style"
  [vde_switch]="vde_switch (-t TAPs)"
  [tinc]="tinc 1.0 switch mode"
  [vnet_same]="vnet same node"
  [vnet_cross]="vnet cross node"
)
for k in "${ORDER[@]}"; do GBPS[$k]="n/a"; RTT[$k]="n/a"; NOTE[$k]="not run"; done

# run_setup KEY FUNCTION: builds, measures, tears down; a failure makes the row "n/a (why)".
run_setup() {
  local key=$1 fn=$2
  log "== ${LABEL[$key]}"
  NOTE[$key]=""; RESULT=""
  if $fn && [ -n "$RESULT" ]; then
    GBPS[$key]=${RESULT% *}; RTT[$key]=${RESULT#* }
    log "   ${GBPS[$key]} Gbit/s, ${RTT[$key]} ms"
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
# vnet_lab TAG NODES NODE_A NODE_B PING_WAIT: a lab with prefix ${P}TAG- and pods ${P}TAGa, ${P}TAGb.
vnet_lab() {
  local tag=$1 nodes=$2 na=$3 nb=$4 wait=$5 pfx="${P}$1-" dir="$STATE_BASE/${P}$1" out pid ipa ipb n
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
  measure "$pb" "$ipb" "$pa"
}
vnet_teardown() {
  local f=$TMP/lab-$1
  [ -s "$f" ] || return 0
  # shellcheck disable=SC2046
  lab_down $(cat "$f")
  rm -f "$f"
  del_ns "${P}$1a"; del_ns "${P}$1b"
}
vnet_same() { vnet_lab s 1 node-1 node-1 10; }
teardown_vnet_same() { vnet_teardown s; }
vnet_cross() { vnet_lab x 2 node-1 node-2 10; }
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
  printf '\nvnet benchmark: iperf3 TCP, 1 stream, %s s; ping -c 20 -i 0.2 (avg RTT) after a 3000-ping warm-up\n' "$SECS"
  printf 'CPU busy with other work at start: %s%% of %s CPUs%s\n\n' "$BUSY0" "$(nproc)" \
    "$(awk -v b="$BUSY0" 'BEGIN { if (b + 0 >= 15) printf " (figures may be low)" }')"
  printf '%-30s | %8s | %7s\n' "setup" "Gbit/s" "RTT ms"
  printf '%-30s-+-%8s-+-%7s\n' "------------------------------" "--------" "-------"
  for k in "${ORDER[@]}"; do
    if [ "${GBPS[$k]}" = "n/a" ]; then
      printf '%-30s | %s\n' "${LABEL[$k]}" "n/a (${NOTE[$k]})"
    else
      note=""; [ "$k" = tinc ] && note="   ($tinc_note)"
      printf '%-30s | %8s | %7s%s\n' "${LABEL[$k]}" "${GBPS[$k]}" "${RTT[$k]}" "$note"
    fi
  done
  local r1 r2 r3 r4 a1 a2
  r1=$(ratio "${GBPS[vnet_same]}" "${GBPS[kernel_bridge]}")
  r2=$(ratio "${GBPS[vnet_cross]}" "${GBPS[kernel_vxlan]}")
  r3=$(ratio "${GBPS[vnet_same]}" "${GBPS[vde_switch]}")
  r4=$(ratio "${GBPS[vnet_cross]}" "${GBPS[tinc]}")
  a1=$(added_us "${RTT[vnet_same]}" "${RTT[kernel_bridge]}")
  a2=$(added_us "${RTT[vnet_cross]}" "${RTT[kernel_vxlan]}")
  printf '\nthroughput ratios:\n'
  printf '  vnet same-node  / kernel bridge  %s\n' "$r1"
  printf '  vnet cross-node / kernel VXLAN   %s\n' "$r2"
  printf '  vnet same-node  / vde_switch     %s\n' "$r3"
  printf '  vnet cross-node / tinc           %s\n' "$r4"
  printf 'added RTT of vnet over the kernel:\n'
  printf '  same node  (vs kernel bridge)    %s\n' "$a1$( [ "$a1" = n/a ] || echo ' µs')"
  printf '  cross node (vs kernel VXLAN)     %s\n' "$a2$( [ "$a2" = n/a ] || echo ' µs')"

  mkdir -p "$BENCH_DIR/results"
  {
    echo "# vnet benchmark results (scripts/bench.sh); n/a = not measured"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host_cpus=$(nproc)"
    echo "kernel=$(uname -r)"
    echo "bench_seconds=$SECS"
    echo "cpu_busy_percent_at_start=$BUSY0"
    for k in "${ORDER[@]}"; do
      echo "${k}_gbps=${GBPS[$k]}"
      echo "${k}_rtt_ms=${RTT[$k]}"
      [ -n "${NOTE[$k]}" ] && echo "${k}_note=\"${NOTE[$k]}\""
    done
    echo "tinc_endpoints=\"$tinc_note\""
    echo "ratio_vnet_same_over_kernel_bridge=$r1"
    echo "ratio_vnet_cross_over_kernel_vxlan=$r2"
    echo "ratio_vnet_same_over_vde_switch=$r3"
    echo "ratio_vnet_cross_over_tinc=$r4"
    echo "added_rtt_us_vnet_same_over_kernel_bridge=$a1"
    echo "added_rtt_us_vnet_cross_over_kernel_vxlan=$a2"
  } >"$res"
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
exit $STATUS
