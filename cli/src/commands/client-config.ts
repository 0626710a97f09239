import { defineConfig, setting } from '@kverse/runtime';
import { Type } from 'typebox';

/** Variables the client commands (`kverse kv`, `kverse chat`) read, so servers do not flag them as unknown. */
export const clientConfigSpec = defineConfig({
  grpcAddr: setting(
    'KVERSE_GRPC_ADDR',
    Type.String({ default: 'localhost:50051' }),
    '`kverse kv`: gRPC KV server address',
  ),
  token: setting(
    'KVERSE_TOKEN',
    Type.Optional(Type.String()),
    '`kverse kv` and `kvstore-client`: bearer token sent with every call (`--token`)',
    true,
  ),
});
