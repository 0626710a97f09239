import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from '../run-command.js';
import { forwardedPort, portForwardCommand } from './kind-commands.js';

/** A running `kubectl port-forward`; `port` is the local end on 127.0.0.1. */
export class PortForward {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async open(options: Parameters<typeof portForwardCommand>[0], env: NodeJS.ProcessEnv): Promise<PortForward> {
    const command = portForwardCommand(options);
    const child = spawn(command.program, [...command.args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    let port: number | undefined;
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${output}`);
          port = forwardedPort(output);
          return port !== undefined;
        },
        () => `kubectl port-forward ${options.target} printed no port: ${output}`,
        30_000,
      );
    } catch (err) {
      child.kill();
      throw err;
    }
    return new PortForward(child, port as number);
  }

  close(): void {
    this.child.kill();
  }
}
