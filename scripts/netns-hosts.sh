# Two "hosts" on one machine, sourced by the multi-node tests: Linux network
# namespaces joined by a veth pair (198.18.0.1 and 198.18.0.2), each with its own
# hostname. mpirun starts in the first and launches one rank in each through an
# rsh agent that enters the namespace, so the ranks talk over Open MPI's TCP
# transport exactly as two nodes would.
#
#   source scripts/netns-hosts.sh NAME    (NAME prefixes the skip messages)
#   netns_hosts_up                        then: on_host1 CMD..., "${NETNS_MPIRUN[@]}" -np 2 PROGRAM
#
# Sets NETNS_NS1/NETNS_NS2 (the namespaces), NETNS_VETH1/NETNS_VETH2 (the link's two
# ends), NETNS_WORK (a scratch folder removed on exit; the hostfile is NETNS_WORK/hosts),
# NETNS_MCA (the launcher agent and the transport settings as --mca pairs) and
# NETNS_MPIRUN (mpirun with the hostfile and NETNS_MCA). Exits 77 (skipped) unless run as root
# on a kernel with network namespaces. On EXIT, kills any process still running in
# the namespaces (left by a failed test) and deletes them.
netns_name=${1:-netns-hosts}
if [ "$(id -u)" -ne 0 ]; then echo "$netns_name: skipped (needs root for network namespaces)"; exit 77; fi
if ! ip netns list >/dev/null 2>&1; then echo "$netns_name: skipped (no network namespace support)"; exit 77; fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
netns_tag=ag$$
NETNS_NS1=${netns_tag}h1 NETNS_NS2=${netns_tag}h2
NETNS_VETH1=${netns_tag}v1 NETNS_VETH2=${netns_tag}v2
NETNS_WORK=$(mktemp -d)

netns_cleanup() {
  # Whatever a failed test left running in the namespaces (all started by this script).
  local pids
  pids=$(ip netns pids "$NETNS_NS1" 2>/dev/null; ip netns pids "$NETNS_NS2" 2>/dev/null)
  if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; fi
  ip netns del "$NETNS_NS1" 2>/dev/null || true
  ip netns del "$NETNS_NS2" 2>/dev/null || true
  rm -rf "$NETNS_WORK"
}
trap netns_cleanup EXIT

netns_hosts_up() {
  ip netns add "$NETNS_NS1"
  ip netns add "$NETNS_NS2"
  ip link add "$NETNS_VETH1" type veth peer name "$NETNS_VETH2"
  ip link set "$NETNS_VETH1" netns "$NETNS_NS1"
  ip link set "$NETNS_VETH2" netns "$NETNS_NS2"
  ip -n "$NETNS_NS1" addr add 198.18.0.1/24 dev "$NETNS_VETH1"
  ip -n "$NETNS_NS2" addr add 198.18.0.2/24 dev "$NETNS_VETH2"
  local ns
  for ns in "$NETNS_NS1" "$NETNS_NS2"; do
    ip -n "$ns" link set lo up
  done
  ip -n "$NETNS_NS1" link set "$NETNS_VETH1" up
  ip -n "$NETNS_NS2" link set "$NETNS_VETH2" up

  # The rsh agent: "agent HOST COMMAND..." runs COMMAND inside HOST's namespace,
  # with HOST's own hostname, the way ssh would run it on that node. Like ssh, it
  # first reaches HOST over the network from where it is called: a TCP connection
  # attempt that HOST answers within 3 s, even with a refusal (nothing listens on
  # port 9); otherwise it fails as ssh does (255), so a host behind a cut link does
  # not answer `agent HOST true` (allgrad launch's probe).
  cat >"$NETNS_WORK/agent" <<AGENT
#!/usr/bin/env bash
host=\$1; shift
case "\$host" in
  198.18.0.1) ns=$NETNS_NS1 ;;
  198.18.0.2) ns=$NETNS_NS2 ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
reached=\$(timeout 3 bash -c "exec 3<>/dev/tcp/\$host/9" 2>&1) || [[ \$reached == *refused* ]] ||
  { echo "agent: \$host: no answer over the network" >&2; exit 255; }
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
AGENT
  chmod +x "$NETNS_WORK/agent"
  printf '198.18.0.1 slots=1\n198.18.0.2 slots=1\n' >"$NETNS_WORK/hosts"
  NETNS_MCA=(--mca plm_rsh_agent "$NETNS_WORK/agent" --mca btl tcp,self
    --mca btl_tcp_if_include 198.18.0.0/24 --mca oob_tcp_if_include 198.18.0.0/24)
  NETNS_MPIRUN=(mpirun --allow-run-as-root --hostfile "$NETNS_WORK/hosts" "${NETNS_MCA[@]}")
}

# on_host1 CMD...: runs CMD in the first host's namespace (where mpirun starts).
on_host1() {
  ip netns exec "$NETNS_NS1" "$@"
}
