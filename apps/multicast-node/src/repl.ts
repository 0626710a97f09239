import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { isKvError } from '@kverse/kv-core';
import type { MulticastNode } from './node.js';
import type { Command } from './wire.js';

export const HELP_TEXT = `commands:
  SET <key> <value>   send a SET to the group (applied here when it comes back; the value is the rest of the line)
  GET <key>           show the local value, and send a GET the group logs
  PRINT               show the local snapshot and digest, and send a PRINT every node logs
  HELP                this text
  EXIT                stop this node`;

export type ParsedLine =
  | { kind: 'command'; cmd: Command }
  | { kind: 'help' | 'exit' | 'empty' }
  | { kind: 'error'; message: string };

/** Parses one REPL line; the command word is case-insensitive, keys and values are taken as typed. */
export function parseLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  const match = /^(\S+)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(trimmed);
  const word = match?.[1]?.toUpperCase();
  const key = match?.[2];
  const rest = match?.[3];
  switch (word) {
    case 'SET':
      if (key === undefined || rest === undefined) return { kind: 'error', message: 'usage: SET <key> <value>' };
      return { kind: 'command', cmd: { op: 'SET', key, value: rest } };
    case 'GET':
      if (key === undefined || rest !== undefined) return { kind: 'error', message: 'usage: GET <key>' };
      return { kind: 'command', cmd: { op: 'GET', key } };
    case 'PRINT':
      return key === undefined ? { kind: 'command', cmd: { op: 'PRINT' } } : { kind: 'error', message: 'usage: PRINT' };
    case 'HELP':
      return { kind: 'help' };
    case 'EXIT':
    case 'QUIT':
      return { kind: 'exit' };
    default:
      return { kind: 'error', message: `unknown command ${JSON.stringify(match?.[1])}; type HELP` };
  }
}

export interface ReplOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** Called on EXIT. End of input is not EXIT: a node started with stdin closed (a container) keeps serving. */
  readonly onExit: () => void;
}

/**
 * The seed's interactive prompt, on node:readline so it works the same from a terminal and from a pipe (a prompt
 * is shown only on a terminal). Returns a function that stops reading.
 */
export function startRepl(node: MulticastNode, options: ReplOptions): () => void {
  const interactive = (options.input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: options.input, output: options.output, terminal: interactive });
  const say = (text: string) => options.output.write(`${text}\n`);
  const prompt = () => {
    if (interactive) rl.prompt();
  };
  rl.setPrompt(`${node.nodeId}> `);
  rl.on('line', (line) => {
    const parsed = parseLine(line);
    switch (parsed.kind) {
      case 'empty':
        break;
      case 'help':
        say(HELP_TEXT);
        break;
      case 'exit':
        rl.close();
        options.onExit();
        return;
      case 'error':
        say(`error: ${parsed.message}`);
        break;
      case 'command':
        try {
          const origin = node.submit(parsed.cmd);
          const cmd = parsed.cmd;
          if (cmd.op === 'GET') say(`${cmd.key} = ${JSON.stringify(node.get(cmd.key) ?? null)} (local)`);
          if (cmd.op === 'PRINT') {
            const snap = node.snapshot();
            say(`snapshot ${JSON.stringify(snap.entries)} size=${snap.size} digest=${snap.digest}`);
          }
          say(`sent ${cmd.op} as ${origin.from}/${origin.inc}/${origin.seq}`);
        } catch (err) {
          if (!isKvError(err)) throw err;
          say(`error: ${err.code}: ${err.message}`);
        }
        break;
    }
    prompt();
  });
  prompt();
  return () => rl.close();
}
