import { parseArgs } from 'node:util';
import { formatLabResult, runMulticastLab } from './multicast-lab.js';

// `node apps/multicast-node/dist/lab.js --nodes 3 --ordering none|total [--writes 20] [--transport unicast]`:
// one-command demonstration of the seed's point (none diverges) and of the fix (total converges).
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    writes: { type: 'string', default: '20' },
    ordering: { type: 'string', default: 'none' },
    transport: { type: 'string', default: 'multicast' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: lab.js --nodes N --ordering none|total [--writes W] [--transport multicast|unicast]\n');
  process.exit(0);
}
const ordering = values.ordering;
const transport = values.transport;
if ((ordering !== 'none' && ordering !== 'total') || (transport !== 'multicast' && transport !== 'unicast')) {
  process.stderr.write('--ordering must be none or total; --transport multicast or unicast\n');
  process.exit(2);
}
const result = await runMulticastLab({
  nodes: Number(values.nodes),
  writes: Number(values.writes),
  ordering,
  transport,
  seed: Number(values.seed),
});
process.stdout.write(formatLabResult(result));
