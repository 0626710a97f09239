import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

// Free when asked: the app binds the port a moment later, so another process could take it in between; on a
// test machine that has not been seen to happen, and the app then fails to start with a clear EADDRINUSE.

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A free UDP port on 127.0.0.1 (for a multicast node's unicast fan-out socket). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
