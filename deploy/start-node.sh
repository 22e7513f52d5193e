#!/bin/sh
# Starts one vnet node process (`vnet node`).
#
# Who runs it: systemd on every Vagrant VM (vnet-node.service, EnvironmentFile=/etc/vnet/node.env),
# and `vnet up --store etcd` locally, inside each node's network namespace. Both give the settings as
# environment variables, so the same script serves both without arguments to keep in step; it `exec`s
# java, so the PID that systemd or the lab records is the node's own.
#
#   VNET_NODE_NAME      node name, e.g. node-2                                  (required)
#   VNET_STORE          cluster store, e.g. etcd://192.168.56.11:2379           (required)
#   VNET_IFACE          underlay interface (--iface), e.g. eth1 on a Vagrant VM (optional)
#   VNET_TOKEN_FILE     cluster token (--token-file)                            (default /etc/vnet/token)
#   VNET_LEASE_TTL      pod subnet lease TTL in seconds (--lease-ttl)           (optional)
#   VNET_CONTROL_PLANE  true: this node also runs the control plane             (optional)
#   VNET_STATE_DIR      node state (--state-dir)                                (optional)
#   VNET_PREFIX         prefix of the lab's namespaces (--prefix; tests)        (optional)
#   VNET_JAR            the vnet jar                         (default /usr/local/lib/vnet/vnet.jar)
#   VNET_CLASSPATH      run vnet from this class path instead of VNET_JAR       (optional)
#   VNET_JAVA           the java program                                        (default java)
#   VNET_JAVA_OPTS      extra JVM options, split on spaces, e.g. "-Xmx256m"    (optional)
set -eu

for var in VNET_NODE_NAME VNET_STORE; do
  eval "value=\${$var:-}"
  if [ -z "$value" ]; then
    echo "start-node.sh: $var is not set (see the header of this script)" >&2
    exit 2
  fi
done

# Optional settings become options only when they are set.
set -- node --name "$VNET_NODE_NAME" --store "$VNET_STORE"
if [ -n "${VNET_IFACE:-}" ]; then set -- "$@" --iface "$VNET_IFACE"; fi
set -- "$@" --token-file "${VNET_TOKEN_FILE:-/etc/vnet/token}"
if [ -n "${VNET_LEASE_TTL:-}" ]; then set -- "$@" --lease-ttl "$VNET_LEASE_TTL"; fi
if [ "${VNET_CONTROL_PLANE:-}" = true ]; then set -- "$@" --control-plane; fi
if [ -n "${VNET_STATE_DIR:-}" ]; then set -- "$@" --state-dir "$VNET_STATE_DIR"; fi
if [ -n "${VNET_PREFIX:-}" ]; then set -- "$@" --prefix "$VNET_PREFIX"; fi

# VNET_JAVA_OPTS is split into words on purpose: it holds several JVM options (no globbing: set -f).
set -f
if [ -n "${VNET_CLASSPATH:-}" ]; then
  # shellcheck disable=SC2086
  exec "${VNET_JAVA:-java}" ${VNET_JAVA_OPTS:-} -cp "$VNET_CLASSPATH" dev.vnet.cli.Main "$@"
fi
# shellcheck disable=SC2086
exec "${VNET_JAVA:-java}" ${VNET_JAVA_OPTS:-} -jar "${VNET_JAR:-/usr/local/lib/vnet/vnet.jar}" "$@"
