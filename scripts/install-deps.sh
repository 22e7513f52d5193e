#!/usr/bin/env bash
# Installs the system tools the lab and its tests use, only those missing (Debian/Ubuntu, as root).
set -euo pipefail

# tool -> Debian package
declare -A NEED=(
  [ip]=iproute2 [ping]=iputils-ping [curl]=curl [dig]=dnsutils [iperf3]=iperf3
  [tcpdump]=tcpdump [tshark]=tshark [sysctl]=procps [setsid]=util-linux [tmux]=tmux
  [ruby]=ruby [shellcheck]=shellcheck [vagrant]=vagrant [systemd-analyze]=systemd   # checks of vagrant/, deploy/
  [etcd]=etcd-server [etcdctl]=etcd-client
)
missing=()
for tool in "${!NEED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEED[$tool]}")
done
ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || missing+=(libpcap0.8)
# vagrant validate needs a provider that loads without its hypervisor: the libvirt plugin does.
dpkg -s vagrant-libvirt >/dev/null 2>&1 || missing+=(vagrant-libvirt)

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing+=("$([ "$tool" = java ] && echo openjdk-17-jdk-headless || echo maven)")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages (${missing[*]}): run as root, or install them with apt-get" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # etcd-server's postinst would start a system etcd on 127.0.0.1:2379; vnet starts its own etcds (the lab's,
  # the tests'), so forbid services from starting during the install (policy-rc.d exit 101), ours removed after.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=yes
  fi
  status=0
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -n "$made_policy" ] && rm -f "$policy"
  # If a system etcd started anyway (systemd ignores policy-rc.d in some setups), stop it.
  if [ -d /run/systemd/system ] && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl stop etcd
    systemctl disable --quiet etcd 2>/dev/null || true
  fi
  [ "$status" -eq 0 ] || exit "$status"
fi
[ -e /dev/net/tun ] || modprobe tun 2>/dev/null || true
