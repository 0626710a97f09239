import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessControl } from '@kverse/access';
import { dataPlaneConfigSpec, type OpenedDataPlane, openEmbeddedDataPlane } from '@kverse/data-plane';
import { createLogger, createMetricsRegistry, type Env, parseConfig } from '@kverse/runtime';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../src/app.js';
import { apiConfigSpec } from '../src/config.js';

export interface TestApi {
  readonly app: FastifyInstance;
  readonly opened: OpenedDataPlane;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** The real API on the real embedded data plane (log engine in a temporary directory). */
export async function openTestApi(
  env: Env = {},
  options: { tracing?: boolean; access?: AccessControl } = {},
): Promise<TestApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-api-'));
  const logger = createLogger({ name: 'api-test', level: 'silent' });
  const opened = await openEmbeddedDataPlane(
    parseConfig(dataPlaneConfigSpec, { KVERSE_DATA_DIR: dataDir, KVERSE_FSYNC: 'none', ...env }),
    logger,
  );
  const app = await buildApi(parseConfig(apiConfigSpec, { PORT: '0', HOST: '127.0.0.1', ...env }), {
    dataPlane: opened.dataPlane,
    logger,
    metrics: createMetricsRegistry(),
    readiness: opened.readiness,
    tracing: options.tracing ?? false,
    ...(options.access ? { access: options.access } : {}),
  });
  await app.ready();
  return {
    app,
    opened,
    dataDir,
    async close() {
      await app.close();
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
