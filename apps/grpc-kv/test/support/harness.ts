import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChannelCredentials,
  type Client,
  credentials,
  loadPackageDefinition,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { AccessControl } from '@kverse/access';
import { dataPlaneConfigSpec, type OpenedDataPlane, openEmbeddedDataPlane } from '@kverse/data-plane';
import { createLogger, createMetricsRegistry, type Env, parseConfig, type Registry } from '@kverse/runtime';
import { type GrpcKvHandle, grpcKvConfigSpec, loadKvProto, startGrpcKv } from '../../src/index.js';

export const silentLogger = createLogger({ name: 'test', level: 'silent' });

/** A gRPC KV server on loopback over the real log engine in a temp dir, with its data plane. */
export interface Harness {
  readonly server: GrpcKvHandle;
  readonly opened: OpenedDataPlane;
  readonly metrics: Registry;
  readonly dir: string;
  close(): Promise<void>;
}

export async function startHarness(env: Env = {}, access?: AccessControl, { tracing = false } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-grpc-kv-'));
  const opened = await openEmbeddedDataPlane(
    parseConfig(dataPlaneConfigSpec, { KVERSE_DATA_DIR: dir, KVERSE_FSYNC: 'none', ...env }),
    silentLogger,
  );
  const metrics = createMetricsRegistry();
  const server = await startGrpcKv(
    parseConfig(grpcKvConfigSpec, { GRPC_KV_HOST: '127.0.0.1', GRPC_KV_PORT: '0', ...env }),
    { dataPlane: opened.dataPlane, logger: silentLogger, metrics, tracing, ...(access ? { access } : {}) },
  );
  return {
    server,
    opened,
    metrics,
    dir,
    async close() {
      await server.close();
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A client of the server's own contract (typed). */
export function kvClient(address: string, creds: ChannelCredentials = credentials.createInsecure()) {
  const proto = loadKvProto();
  return new proto.kvstore.KvStore(address, creds);
}

/**
 * A client generated from the seed's proto (test/fixtures/seed-kvstore.proto), loaded independently of the server's
 * contract with a Go-like loader configuration (snake_case names, defaults filled in).
 */
export function seedClient(address: string): SeedClient {
  const definition = loadSync(fileURLToPath(new URL('../fixtures/seed-kvstore.proto', import.meta.url)), {
    keepCase: true,
    defaults: true,
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    kvstore: { KvStore: new (address: string, creds: ChannelCredentials) => SeedClient };
  };
  return new pkg.kvstore.KvStore(address, credentials.createInsecure());
}

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/** The seed client's surface (what the seed's Go client calls). */
export interface SeedClient extends Client {
  Put(req: { key: string; value: string }, cb: Callback<{ success: boolean }>): void;
  Get(req: { key: string }, cb: Callback<{ key: string; value: string }>): void;
  Delete(req: { key: string }, cb: Callback<{ success: boolean }>): void;
  GetAll(req: object, cb: Callback<{ pairs: Record<string, string> }>): void;
  Watch(req: {
    key: string;
  }): NodeJS.ReadableStream & { cancel(): void; on(e: 'metadata', f: (m: Metadata) => void): void };
}

/** Promisifies a callback-style unary call. */
export function call<T>(invoke: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Resolves with the error of a call that must fail. */
export async function callError(invoke: (cb: Callback<unknown>) => void): Promise<ServiceError> {
  try {
    await call(invoke);
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded but was expected to fail');
}

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
