#!/bin/sh
# Starts the single-member etcd that holds vnet's cluster state.
#
# Who runs it: systemd on the first Vagrant VM (vnet-etcd.service, EnvironmentFile=/etc/vnet/etcd.env),
# and `vnet up --store etcd` locally, inside node-1's network namespace. Both give the settings as
# environment variables, so the same script serves both without arguments to keep in step; it `exec`s
# etcd, so the PID that systemd or the lab records is etcd's own.
#
# Plain HTTP, no client authentication: a lab on a private network, where anyone on the underlay can read
# and write the cluster state (the nodes' own APIs, by contrast, want the cluster token).
#
#   VNET_ETCD_NAME         member name, e.g. node-1                      (required)
#   VNET_ETCD_IP           address to listen on, e.g. 192.168.56.11      (required)
#   VNET_ETCD_DATA_DIR     where etcd keeps its data                     (required)
#   VNET_ETCD_CLIENT_PORT  client port                                   (default 2379)
#   VNET_ETCD_PEER_PORT    peer port                                     (default 2380)
#   VNET_ETCD_BIN          the etcd program                              (default etcd)
set -eu

for var in VNET_ETCD_NAME VNET_ETCD_IP VNET_ETCD_DATA_DIR; do
  eval "value=\${$var:-}"
  if [ -z "$value" ]; then
    echo "start-etcd.sh: $var is not set (see the header of this script)" >&2
    exit 2
  fi
done

client_url="http://${VNET_ETCD_IP}:${VNET_ETCD_CLIENT_PORT:-2379}"
peer_url="http://${VNET_ETCD_IP}:${VNET_ETCD_PEER_PORT:-2380}"

mkdir -p "$VNET_ETCD_DATA_DIR"
chmod 0700 "$VNET_ETCD_DATA_DIR"

exec "${VNET_ETCD_BIN:-etcd}" \
  --name "$VNET_ETCD_NAME" \
  --data-dir "$VNET_ETCD_DATA_DIR" \
  --listen-client-urls "$client_url" \
  --advertise-client-urls "$client_url" \
  --listen-peer-urls "$peer_url" \
  --initial-advertise-peer-urls "$peer_url" \
  --initial-cluster "${VNET_ETCD_NAME}=${peer_url}" \
  --initial-cluster-state new
