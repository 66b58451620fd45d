#!/bin/sh
# The seed's way to give a command a network, with ip(8): a named namespace, a veth pair,
# one end moved into the namespace, addresses, links up, a default route, the command run
# inside, the namespace deleted. `make bench` measures it beside husk run and net-floor.
#   ip-route.sh CMD [ARG]...
set -e
n=ipb$$
ip netns add "$n"
ip link add "h$n" type veth peer name "c$n"
ip link set "c$n" netns "$n"
ip addr add 10.200.0.1/24 dev "h$n"
ip link set "h$n" up
ip -n "$n" link set lo up
ip -n "$n" addr add 10.200.0.2/24 dev "c$n"
ip -n "$n" link set "c$n" up
ip -n "$n" route add default via 10.200.0.1
ip netns exec "$n" "$@"
ip netns del "$n"
