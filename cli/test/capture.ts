import { Writable } from 'node:stream';

/** A stream that keeps what a command writes to it. */
export function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}
