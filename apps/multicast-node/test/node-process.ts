import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built entry point; tests run the real program, so it must be built (`npx tsc -b`). */
export const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`missing ${MAIN_JS}: build first with \`npx tsc -b\` (these tests run the real node program)`);
  }
}

export interface NodeProcessOptions {
  readonly id: string;
  /** Environment for the node (merged over a minimal base). */
  readonly env: Record<string, string>;
  /** Host where its HTTP side is reachable from the test. */
  readonly httpHost: string;
  readonly httpPort: number;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

interface StateBody {
  node: string;
  ordering: { mode: string; role?: string; sequencer?: string | null; delivered?: number };
  snapshot: { entries: Record<string, string>; applied: number; digest: string };
}

/** A node running as its own process, driven through its prompt (stdin) and read through HTTP. */
export class NodeProcess {
  readonly child: ChildProcess;
  output = '';
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  constructor(readonly options: NodeProcessOptions) {
    assertBuilt();
    const argv = options.netns
      ? ['ip', ['netns', 'exec', options.netns, process.execPath, MAIN_JS]]
      : [process.execPath, [MAIN_JS]];
    this.child = spawn(argv[0] as string, argv[1] as string[], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ID: options.id,
        MULTICAST_HTTP_PORT: String(options.httpPort),
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => {
      this.output += c.toString();
    });
    this.child.stderr?.on('data', (c: Buffer) => {
      this.output += c.toString();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get url(): string {
    return `http://${this.options.httpHost}:${this.options.httpPort}`;
  }

  /** Types a line at the node's prompt. */
  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  async state(): Promise<StateBody> {
    return (await (await fetch(`${this.url}/state`, { signal: AbortSignal.timeout(2000) })).json()) as StateBody;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  }

  /** Sends `SET key value` through the HTTP control endpoint (same path as the prompt). */
  async set(key: string, value: string): Promise<void> {
    const res = await fetch(`${this.url}/command`, {
      method: 'POST',
      body: JSON.stringify({ op: 'SET', key, value }),
      signal: AbortSignal.timeout(2000),
    });
    if (res.status !== 202) throw new Error(`${this.options.id}: POST /command answered ${res.status}`);
  }

  /** Resolves when /health answers; fails with the node's output if it exits or does not come up. */
  async waitHealthy(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`${this.options.id} exited (${this.exitCode}):\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) })).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`${this.options.id} not healthy after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Kills the process (SIGKILL by default: a crash, no goodbye) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}

/** TCP ports that were free a moment ago on `host` (listened on with port 0, then closed). */
export async function freeTcpPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve) => server.listen(0, host, () => resolve(server)));
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Polls until `check` resolves true; the error carries `describe()`. */
export async function eventually(
  check: () => Promise<boolean>,
  describe: () => Promise<string> | string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // a node briefly unreachable: try again
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
