#!/usr/bin/env bash
# Installs the system tools the lab and its tests use, only those missing (Debian/Ubuntu, as root).
set -euo pipefail

# tool -> Debian package
declare -A NEED=(
  [ip]=iproute2 [ping]=iputils-ping [curl]=curl [dig]=dnsutils [iperf3]=iperf3
  [tcpdump]=tcpdump [tshark]=tshark [sysctl]=procps [setsid]=util-linux [tmux]=tmux
  [ruby]=ruby [shellcheck]=shellcheck [vagrant]=vagrant [systemd-analyze]=systemd   # checks of vagrant/, deploy/
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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -e /dev/net/tun ] || modprobe tun 2>/dev/null || true
