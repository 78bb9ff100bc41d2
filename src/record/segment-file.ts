/**
 * The byte sink under the Parquet encoder: an append-only file descriptor
 * with a bounded in-memory buffer, a running sha256 and a byte count.
 *
 * Encoders append through hyparquet-writer's `Writer` interface; this
 * subclass of its `ByteWriter` holds one row group at most: `flush()` drains
 * it to the file after each row group, and `rollback()` drops a row group that
 * failed half-way, so a segment never sits in memory whole and a rejected
 * batch leaves no trace. Bytes reach the file in order and only once, so the
 * running hash is the hash of the finished file.
 */
import { createHash, type Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { ByteWriter } from 'hyparquet-writer';

export class FileSink extends ByteWriter {
  /** Bytes handed to the kernel so far. */
  bytesFlushed = 0;
  private readonly hash: Hash = createHash('sha256');

  /** @param fd an open, writable descriptor positioned at offset 0 */
  constructor(private readonly fd: number) {
    super(1 << 20);
  }

  /** Write the buffered bytes to the file. */
  flush(): void {
    this.drain();
  }

  /** Forget the bytes appended since the last flush. */
  rollback(): void {
    this.offset -= this.index;
    this.index = 0;
  }

  override finish(): void {
    this.drain();
  }

  /** Hex sha256 of every byte drained so far. Call once, after `finish()`. */
  digest(): string {
    return this.hash.digest('hex');
  }

  /**
   * Write the buffered bytes, looping over short writes.
   * @throws the fs error (ENOSPC, EDQUOT, EIO, ...) unchanged
   */
  private drain(): void {
    if (this.index === 0) return;
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.hash.update(bytes);
    this.bytesFlushed += bytes.length;
    this.index = 0;
  }
}
