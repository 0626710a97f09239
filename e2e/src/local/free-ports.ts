import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Free when asked: the app binds the port a moment later. A port the kernel picks for `listen(0)` comes from the
// ephemeral range, which every outgoing connection on the machine draws from too — the apps started a moment before
// connect to RabbitMQ, PostgreSQL and Redis — so one of those connections could take the port first (seen once in CI:
// a consumer failed to start with EADDRINUSE). The ports here come from below the ephemeral range, where no
// connection's local port is ever put, are checked free by binding them, and are never handed out twice.

/** First port of the kernel's ephemeral range (Linux's `ip_local_port_range`; the IANA range elsewhere). */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048) return low;
  } catch {
    // not Linux
  }
  return 49152;
}

const RANGE_START = 10_000;
const rangeEnd = Math.max(RANGE_START + 1000, ephemeralStart());
// The local services' ports in that range (RabbitMQ's distribution port, Redis Sentinel): free while a test has the
// service stopped, and needed again when it starts it.
const handedOut = new Set<number>([25_672, 26_379]);

/** Tries ports below the ephemeral range at random until `bindable` says one is free; never returns one twice. */
async function pick(bindable: (port: number) => Promise<boolean>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE_START + Math.floor(Math.random() * (rangeEnd - RANGE_START));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${RANGE_START} and ${rangeEnd}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return pick(
    (port) =>
      new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
  );
}

/** A free UDP port on 127.0.0.1 (for a multicast node's unicast fan-out socket). */
export function freeUdpPort(): Promise<number> {
  return pick(
    (port) =>
      new Promise((resolve) => {
        const socket = createSocket('udp4');
        socket.once('error', () => resolve(false));
        socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
      }),
  );
}
