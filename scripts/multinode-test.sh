#!/usr/bin/env bash
# Two "hosts" on one machine (scripts/netns-hosts.sh: network namespaces joined by
# a veth pair), one rank on each, talking over Open MPI's TCP transport. The DDP
# program's result must equal a one-host run's.
#   scripts/multinode-test.sh PROGRAM     (root only; exits 77 = skipped otherwise)
set -euo pipefail
prog=${1:?usage: multinode-test.sh PROGRAM}
source "$(dirname "$0")/netns-hosts.sh" multinode-test
netns_hosts_up

two_hosts=$(on_host1 timeout 120 "${NETNS_MPIRUN[@]}" -np 2 -x AG_NUM_THREADS "$prog" | grep checksum)
one_host=$(timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 -x AG_NUM_THREADS "$prog" | grep checksum)
echo "two hosts: $two_hosts"
echo "one host:  $one_host"
[ "$two_hosts" = "$one_host" ] || { echo "multinode-test: results differ"; exit 1; }
echo "multinode-test: ok"
