/**
 * Output with backpressure for streamed results: waits for 'drain' so a large
 * export never piles up in memory. A closed stdout pipe (`| head`) ends the
 * process quietly with exit code 0, as SIGPIPE would.
 */
import { createWriteStream } from 'node:fs';
import { EXIT } from './exit-codes.js';

export interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** A sink to `out` (created mode 0600) or, when undefined, stdout. */
export function sinkFor(out: string | undefined): Sink {
  const stream: NodeJS.WritableStream = out === undefined ? process.stdout : createWriteStream(out, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => stream.once('error', (err: NodeJS.ErrnoException) => {
    if (out === undefined && err.code === 'EPIPE') process.exit(EXIT.OK);
    reject(new Error(`write ${out ?? 'stdout'}`, { cause: err }));
  }));
  failed.catch(() => {});
  return {
    async write(text) {
      if (text !== '' && !stream.write(text)) await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
    },
    async close() {
      if (out !== undefined) await Promise.race([new Promise<void>((r) => stream.end(() => r())), failed]);
    },
  };
}
