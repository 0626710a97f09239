#!/usr/bin/env bash
# apps/multicast-node system tests inject packet loss inside network namespaces with iptables' statistic match
# (this kernel has no netem qdisc). They also need `ip` (iproute2) and root; without those they say so and fall
# back to loopback.
set -euo pipefail
if ! command -v iptables >/dev/null 2>&1; then
  echo "[kverse] installing iptables for the multicast-node loss tests" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends iptables >/dev/null 2>&1; then
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends iptables >/dev/null
  fi
fi
