/**
 * REST throughput: `GET /kv?key=` of an existing key and `PUT /kv` (202) with autocannon, against a bare fastify
 * hello-world route measured in the same run, each server in its own process on CPU 0 (the load generator runs here,
 * on CPU 1). Request logging is at the API's production default.
 *
 *   npm run bench -- rest [--duration 10] [--connections 100]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { printRatio, printTable } from './report.js';
import { pinLoadGenerator, serve, startKverse } from './serve.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'value-bytes': { type: 'string', default: '256' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const root = new URL('../../', import.meta.url).pathname;

async function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ connections, duration, pipelining: 1, ...opts });
}

const HELLO = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('listening http://127.0.0.1:' + app.server.address().port);
`;

async function main(): Promise<void> {
  pinLoadGenerator();
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-bench-rest-'));
  const hello = await serve(
    ['--input-type=module', '-e', HELLO],
    { NODE_PATH: join(root, 'node_modules') },
    {
      url: /listening (http:\/\/\S+)/,
    },
  ).then(({ child, found }) => ({ child, url: found.url }));
  const api = await startKverse(dataDir).then(({ child, restUrl }) => ({ child, url: restUrl }));
  try {
    const value = 'v'.repeat(Number(args['value-bytes']));
    await fetch(`${api.url}/kv?wait=applied`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'bench-key', value }),
    });

    const helloResult = await load({ url: `${hello.url}/` });
    const getResult = await load({ url: `${api.url}/kv?key=bench-key` });
    let i = 0;
    const putResult = await load({
      url: `${api.url}/kv`,
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // A distinct key per request exercises the full write path, not one hot key.
      requests: [
        {
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ key: `bench/${i++ % 100_000}`, value }) }),
        },
      ],
    });

    const row = (name: string, r: autocannon.Result) => ({
      route: name,
      'req/s': Math.round(r.requests.average),
      'p50 ms': r.latency.p50,
      'p99 ms': r.latency.p99,
      errors: r.errors + r.non2xx,
    });
    printTable(
      `REST API, ${connections} connections, ${duration}s each, ${args['value-bytes']}-byte values (fsync: group commit)`,
      [
        row('fastify hello-world (anchor)', helloResult),
        row('GET /kv?key= (existing key)', getResult),
        row('PUT /kv (202)', putResult),
      ],
    );
    printRatio('GET / hello-world', getResult.requests.average / helloResult.requests.average, 0.6);
    printRatio('PUT / hello-world', putResult.requests.average / helloResult.requests.average, 0.4);
  } finally {
    hello.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
