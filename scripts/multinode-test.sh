#!/usr/bin/env bash
# Two "hosts" on one machine: Linux network namespaces joined by a veth pair
# (198.18.0.1 and 198.18.0.2), each with its own hostname. mpirun starts in the
# first and launches one rank in each through an rsh agent that enters the
# namespace, so the ranks talk over Open MPI's TCP transport exactly as two
# nodes would. The DDP program's result must equal a one-host run's.
#   scripts/multinode-test.sh PROGRAM     (root only; exits 77 = skipped otherwise)
set -euo pipefail
prog=${1:?usage: multinode-test.sh PROGRAM}
if [ "$(id -u)" -ne 0 ]; then echo "multinode-test: skipped (needs root for network namespaces)"; exit 77; fi
if ! ip netns list >/dev/null 2>&1; then echo "multinode-test: skipped (no network namespace support)"; exit 77; fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tag=ag$$
ns1=${tag}h1 ns2=${tag}h2
work=$(mktemp -d)
cleanup() {
  ip netns del "$ns1" 2>/dev/null || true
  ip netns del "$ns2" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns1"
ip netns add "$ns2"
ip link add "${tag}v1" type veth peer name "${tag}v2"
ip link set "${tag}v1" netns "$ns1"
ip link set "${tag}v2" netns "$ns2"
ip -n "$ns1" addr add 198.18.0.1/24 dev "${tag}v1"
ip -n "$ns2" addr add 198.18.0.2/24 dev "${tag}v2"
for ns in "$ns1" "$ns2"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns1" link set "${tag}v1" up
ip -n "$ns2" link set "${tag}v2" up

# The rsh agent: "agent HOST COMMAND..." runs COMMAND inside HOST's namespace,
# with HOST's own hostname, the way ssh would run it on that node.
cat >"$work/agent" <<AGENT
#!/usr/bin/env bash
host=\$1; shift
case "\$host" in
  198.18.0.1) ns=$ns1 ;;
  198.18.0.2) ns=$ns2 ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
AGENT
chmod +x "$work/agent"
printf '198.18.0.1 slots=1\n198.18.0.2 slots=1\n' >"$work/hosts"

mca=(--mca plm_rsh_agent "$work/agent" --mca btl tcp,self
     --mca btl_tcp_if_include 198.18.0.0/24 --mca oob_tcp_if_include 198.18.0.0/24)
two_hosts=$(ip netns exec "$ns1" timeout 120 mpirun --allow-run-as-root -np 2 --hostfile "$work/hosts" \
  "${mca[@]}" -x AG_NUM_THREADS "$prog" | grep checksum)
one_host=$(timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 -x AG_NUM_THREADS "$prog" | grep checksum)
echo "two hosts: $two_hosts"
echo "one host:  $one_host"
[ "$two_hosts" = "$one_host" ] || { echo "multinode-test: results differ"; exit 1; }
echo "multinode-test: ok"
