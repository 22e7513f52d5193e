#!/usr/bin/env bash
# Provisions one VM of the Vagrant lab (run as root by the Vagrantfile's shell provisioner):
#   provision.sh NODE_NAME NODE_INDEX NODE_IP NODE_COUNT      e.g. provision.sh node-1 1 192.168.56.11 3
# It installs the tools, builds or reuses vnet.jar, writes /etc/vnet and starts vnet-node.service (and
# vnet-etcd.service on node-1). Safe to run again (`vagrant provision`): it reinstalls and restarts.
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: provision.sh NODE_NAME NODE_INDEX NODE_IP NODE_COUNT" >&2
  exit 2
fi
NODE_NAME=$1
NODE_INDEX=$2
NODE_IP=$3
NODE_COUNT=$4

REPO=/vagrant                       # the repository, synced by the Vagrantfile
LIB=/usr/local/lib/vnet
ETC=/etc/vnet
ETCD_IP=192.168.56.11               # node-1 runs etcd
STORE="etcd://${ETCD_IP}:2379"
CONTROL_PLANE=false
if [ "$NODE_INDEX" = 1 ]; then CONTROL_PLANE=true; fi

log() { echo "provision ${NODE_NAME}: $*"; }

log "node ${NODE_INDEX} of ${NODE_COUNT} at ${NODE_IP}"

# --- packages ---------------------------------------------------------------------------------------
packages=(openjdk-17-jdk-headless maven iproute2 iputils-ping curl dnsutils tcpdump iperf3 libpcap0.8)
if [ "$CONTROL_PLANE" = true ]; then packages+=(etcd-server etcd-client); fi

export DEBIAN_FRONTEND=noninteractive
# Keep the packages' own services (etcd.service above all) from starting while they install: ours
# replace them. policy-rc.d answering 101 is Debian's way to say "do not start services now".
made_policy=false
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  made_policy=true
fi
log "installing ${packages[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
if [ "$made_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi

if [ "$CONTROL_PLANE" = true ]; then
  # The package's etcd.service would run a second etcd on localhost: vnet-etcd.service replaces it.
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
  systemctl mask etcd.service >/dev/null
fi

modprobe tun 2>/dev/null || true

# --- vnet.jar ---------------------------------------------------------------------------------------
# Reuse a jar built on the host (synced with the repository); otherwise build it here, once (a later
# `vagrant rsync` brings the host's tree back and `vagrant provision` builds again).
jar="${REPO}/lab-cli/target/vnet.jar"
if [ ! -f "$jar" ]; then
  log "building vnet in ${REPO} (mvn package, a few minutes the first time)"
  (cd "$REPO" && mvn -B -q -DskipTests package)
fi
install -D -m 0644 "$jar" "${LIB}/vnet.jar"
install -D -m 0755 "${REPO}/scripts/vnet" /usr/local/bin/vnet
install -D -m 0755 "${REPO}/deploy/start-etcd.sh" "${LIB}/start-etcd.sh"
install -D -m 0755 "${REPO}/deploy/start-node.sh" "${LIB}/start-node.sh"
rm -rf /usr/local/share/vnet/labs
mkdir -p /usr/local/share/vnet
cp -r "${REPO}/labs" /usr/local/share/vnet/labs

# --- the underlay interface -------------------------------------------------------------------------
# eth0 is Vagrant's NAT (VirtualBox, 10.0.2.15) or management network (libvirt): the node must use the
# interface that holds its 192.168.56.x address, or its VXLAN packets would leave by the wrong one.
iface=$(ip -o -4 addr show to 192.168.56.0/24 \
  | awk -v ip="$NODE_IP" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
if [ -z "$iface" ]; then
  echo "provision ${NODE_NAME}: no interface holds ${NODE_IP}; is the private network up?" >&2
  exit 1
fi
log "underlay interface ${iface}"

# --- /etc/vnet --------------------------------------------------------------------------------------
install -d -m 0755 "$ETC"

# The cluster token: the Vagrantfile makes it on the host before the first VM boots; if it is missing
# (an older Vagrantfile, a shared rather than rsynced folder) the first VM to provision (node-1) makes it.
if [ ! -s "${REPO}/.vnet/token" ]; then
  (umask 077 && mkdir -p "${REPO}/.vnet" && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "${REPO}/.vnet/token" \
    && echo >> "${REPO}/.vnet/token")
fi
install -m 0600 -o root -g root "${REPO}/.vnet/token" "${ETC}/token"

cat > "${ETC}/node.env" <<EOF
# Read by vnet-node.service (EnvironmentFile=) for ${LIB}/start-node.sh. Written by vagrant/provision.sh.
VNET_NODE_NAME=${NODE_NAME}
VNET_STORE=${STORE}
VNET_IFACE=${iface}
VNET_TOKEN_FILE=${ETC}/token
EOF
if [ "$CONTROL_PLANE" = true ]; then echo "VNET_CONTROL_PLANE=true" >> "${ETC}/node.env"; fi

cat > "${ETC}/config.yaml" <<EOF
# The vnet CLI's settings on this VM. Written by vagrant/provision.sh.
store: ${STORE}
tokenFile: ${ETC}/token
EOF

if [ "$CONTROL_PLANE" = true ]; then
  cat > "${ETC}/etcd.env" <<EOF
# Read by vnet-etcd.service (EnvironmentFile=) for ${LIB}/start-etcd.sh. Written by vagrant/provision.sh.
VNET_ETCD_NAME=${NODE_NAME}
VNET_ETCD_IP=${NODE_IP}
VNET_ETCD_DATA_DIR=/var/lib/vnet/etcd
VNET_ETCD_BIN=/usr/bin/etcd
EOF
fi

# --- systemd units ----------------------------------------------------------------------------------
units=(vnet-node.service)
if [ "$CONTROL_PLANE" = true ]; then units=(vnet-etcd.service vnet-node.service); fi
for unit in "${units[@]}"; do
  install -m 0644 "${REPO}/vagrant/systemd/${unit}" "/etc/systemd/system/${unit}"
done
systemctl daemon-reload

if [ "$CONTROL_PLANE" = true ]; then
  systemctl enable vnet-etcd.service >/dev/null 2>&1
  systemctl restart vnet-etcd.service
  log "waiting for etcd at ${STORE}"
  for _ in $(seq 30); do
    if etcdctl --endpoints "http://${ETCD_IP}:2379" endpoint health >/dev/null 2>&1; then break; fi
    sleep 1
  done
fi
# Other VMs may come up before etcd answers: vnet-node.service restarts until it does.
systemctl enable vnet-node.service >/dev/null 2>&1
systemctl restart vnet-node.service
log "done: vnet-node.service is $(systemctl is-active vnet-node.service || true)"
