import { ConfigError, parseConfig } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { multicastNodeConfig } from '../src/config.js';

describe('multicastNodeConfig', () => {
  it("keeps the seed's variable names and defaults", () => {
    const config = parseConfig(multicastNodeConfig, {});
    expect(config).toMatchObject({ group: '239.0.0.1', port: 5007, ttl: 1, nodeId: undefined, ordering: 'none' });
    const set = parseConfig(multicastNodeConfig, {
      MULTICAST_GROUP: '239.1.2.3',
      MULTICAST_PORT: '6000',
      MULTICAST_TTL: '4',
      NODE_ID: 'node-7',
      ORDERING: 'total',
      MULTICAST_TRANSPORT: 'unicast',
      MULTICAST_PEERS: '10.0.0.1,10.0.0.2:6001',
    });
    expect(set).toMatchObject({
      group: '239.1.2.3',
      port: 6000,
      ttl: 4,
      nodeId: 'node-7',
      ordering: 'total',
      transport: 'unicast',
      peers: ['10.0.0.1', '10.0.0.2:6001'],
    });
  });

  it('rejects an unknown ordering, a bad group address and a bad node id', () => {
    expect(() => parseConfig(multicastNodeConfig, { ORDERING: 'causal' })).toThrow(ConfigError);
    expect(() => parseConfig(multicastNodeConfig, { MULTICAST_GROUP: 'not-an-ip' })).toThrow(/MULTICAST_GROUP/);
    expect(() => parseConfig(multicastNodeConfig, { NODE_ID: 'has space' })).toThrow(/NODE_ID/);
  });
});
