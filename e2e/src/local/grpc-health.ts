import { type Client, credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service } from 'grpc-health-check';

type HealthStub = Client & {
  Check(
    request: { service: string },
    options: { deadline: number },
    callback: (err: ServiceError | null, response?: { status: string }) => void,
  ): void;
};
const HealthClient = makeClientConstructor(service, 'grpc.health.v1.Health');

/**
 * Whether `grpc.health.v1.Health/Check` at `address` answers SERVING for the server as a whole — the chart's
 * readiness probe of the gRPC apps (`grpc: { port }`), asked the same way.
 */
export function grpcServing(address: string, timeoutMs = 2000): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as HealthStub;
  return new Promise<boolean>((resolve) => {
    client.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, res) =>
      resolve(!err && res?.status === 'SERVING'),
    );
  }).finally(() => client.close());
}
