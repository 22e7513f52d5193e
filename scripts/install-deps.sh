#!/usr/bin/env bash
# Installs the system tools a set needs, only those missing (Debian/Ubuntu, as root):
#   run   what running the lab and its README walk need (`make run`, `make install`, `make build`)
#   test  that, plus what only the tests use (`make test`): tmux for the REPL test, make to read the Makefile;
#         ruby, shellcheck, systemd-analyze, vagrant and vagrant-libvirt for the static checks of vagrant/, deploy/;
#         python3-kubernetes, the official Python client, and kubectl (kubernetes-client) if the machine has none,
#         run against the lab's Kubernetes API
# With --dry-run it prints what it would install and changes nothing.
set -euo pipefail

usage="usage: install-deps.sh run|test [--dry-run]   (run: what the lab needs; test: that plus what the tests need)"
set_name="" dry_run=""
for arg in "$@"; do
  case "$arg" in
    run|test) [ -z "$set_name" ] || { echo "$usage" >&2; exit 2; }; set_name=$arg ;;
    --dry-run) dry_run=yes ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ -n "$set_name" ] || { echo "$usage" >&2; exit 2; }

# tool -> Debian package
declare -A NEED=(
  [ip]=iproute2 [ping]=iputils-ping [curl]=curl [dig]=dnsutils [iperf3]=iperf3
  [tcpdump]=tcpdump [tshark]=tshark [sysctl]=procps [setsid]=util-linux
  [etcd]=etcd-server [etcdctl]=etcd-client      # vnet up --store etcd, and the node-process lab
)
if [ "$set_name" = test ]; then
  NEED+=(
    [tmux]=tmux                                  # ReplIntegrationTest drives the REPL in a terminal
    [make]=make                                  # InstallDepsTest reads the Makefile with make -n
    [ruby]=ruby [shellcheck]=shellcheck [vagrant]=vagrant [systemd-analyze]=systemd   # checks of vagrant/, deploy/
  )
fi
missing=()
for tool in "${!NEED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEED[$tool]}")
done
ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || missing+=(libpcap0.8)
# vagrant validate needs a provider that loads without its hypervisor: the libvirt plugin does.
# PythonClientIntegrationTest runs the official Kubernetes Python client (for /usr/bin/python3) against a lab.
if [ "$set_name" = test ]; then
  dpkg -s vagrant-libvirt >/dev/null 2>&1 || missing+=(vagrant-libvirt)
  dpkg -s python3-kubernetes >/dev/null 2>&1 || missing+=(python3-kubernetes)
  # KubectlIntegrationTest drives /usr/bin/kubectl: Debian's kubernetes-client where the machine has none.
  [ -x /usr/bin/kubectl ] || missing+=(kubernetes-client)
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing+=("$([ "$tool" = java ] && echo openjdk-17-jdk-headless || echo maven)")
  fi
done

if [ -n "$dry_run" ]; then
  echo "would install: ${missing[*]:-nothing}"
  exit 0
fi

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
