/**
 * etcd as a benchmark anchor: where its binary is, how to start a single-member server pinned to CPU 0 in a fresh
 * data directory, and its Put / Range requests encoded with etcd's own field numbers (bench/proto/etcd-subset.proto).
 *
 * The binary comes from ETCD_BIN, else the one scripts/cluster/ builds into ~/.cache/kverse/bin/etcd-v*, else PATH.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { encodeMessage, openClients, sleep } from './grpc-load.js';
import { spawnPinned } from './serve.js';

const root = new URL('../../', import.meta.url).pathname;

export const etcdProto = protobuf.loadSync(join(root, 'bench/proto/etcd-subset.proto'));

export const ETCD_PUT = '/etcdserverpb.KV/Put';
export const ETCD_RANGE = '/etcdserverpb.KV/Range';

export const encodeEtcdPut = (k: string, v: string): Buffer =>
  encodeMessage(etcdProto, 'etcdserverpb.PutRequest', { key: Buffer.from(k), value: Buffer.from(v) });

/** A Range of one key; `serializable` reads the member's local state without the linearizable read index. */
export const encodeEtcdRange = (k: string, serializable: boolean): Buffer =>
  encodeMessage(etcdProto, 'etcdserverpb.RangeRequest', { key: Buffer.from(k), serializable });

export function findEtcd(): string {
  if (process.env.ETCD_BIN) return process.env.ETCD_BIN;
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kverse/bin');
  if (existsSync(cache)) {
    for (const dir of readdirSync(cache)
      .filter((d) => d.startsWith('etcd-'))
      .sort()
      .reverse()) {
      if (existsSync(join(cache, dir, 'etcd'))) return join(cache, dir, 'etcd');
    }
  }
  return 'etcd';
}

/**
 * Starts a single-member etcd in `dir`, pinned to CPU 0, with fsync on (its default) or off (`--unsafe-no-fsync`),
 * and resolves once it answers a Range.
 */
export async function startEtcd(
  bin: string,
  dir: string,
  fsync: boolean,
): Promise<{ address: string; child: ChildProcess }> {
  const [client, peer] = [await freePort(), await freePort()];
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child = spawnPinned(
    bin,
    [
      `--name=bench`,
      `--data-dir=${dir}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=bench=${peerUrl}`,
      '--log-level=error',
      ...(fsync ? [] : ['--unsafe-no-fsync']),
    ],
    { stdio: 'pipe' },
  );
  const address = `127.0.0.1:${client}`;
  const [probe] = openClients(address, 1);
  try {
    for (let i = 0; ; i++) {
      const ok = await new Promise<boolean>((resolve) =>
        probe!.makeUnaryRequest(
          ETCD_RANGE,
          (b: Buffer) => b,
          (b: Buffer) => b,
          encodeEtcdRange('probe', true),
          (err) => resolve(!err),
        ),
      );
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`etcd (${bin}) exited with ${child.exitCode}`);
      if (i > 100) throw new Error(`etcd (${bin}) did not answer within 10 s`);
      await sleep(100);
    }
  } finally {
    probe!.close();
  }
  return { address, child };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}
