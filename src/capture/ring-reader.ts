/**
 * Readers of a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF), in two layers as
 * cilium/ebpf's ringbuf package:
 *
 * - `RawRingReader` maps the ring into this process and walks committed
 *   records in place: no ffi call and no copy per record. The consumer page
 *   (read-write) is mapped at offset 0; the producer page and the data area,
 *   which the kernel maps twice in a row so that a record crossing the end of
 *   the ring is contiguous, are mapped read-only at offset page_size
 *   (kernel/bpf/ringbuf.c, ringbuf_map_mmap_kern). Each record has an 8-byte
 *   header: a 32-bit length whose bit 31 (BUSY) means "reserved, not yet
 *   committed" and bit 30 (DISCARD) means "skip me", then 4 bytes the kernel
 *   uses; records are 8-byte aligned. The consumer position is published once
 *   per batch.
 * - `RingReader` hands out copies, for callers that keep records.
 *
 * Polling is the caller's job: drain on a timer (about every 10 ms) rather
 * than on every epoll wake-up, which costs ten times the CPU at high rates
 * (see CAPTURE-NOTES.md). `pollEvery` is that timer.
 *
 * Positions are 64-bit and kept as bigint per batch, so they never lose
 * precision however long the recorder runs.
 */
import { errnoName } from './errors.js';
import * as lib from './libbpf.js';
import type { Pointer } from './libbpf.js';

const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const LENGTH_MASK = 0x3fffffff;
const HEADER_BYTES = 8;

/** What one `drain` did. */
export interface DrainResult {
  /** Records passed to the callback. */
  records: number;
  /** Records skipped because their producer discarded them. */
  discarded: number;
  /** Ring bytes consumed: headers, padding and discarded records included. */
  bytes: number;
}

/**
 * Called once per record with a view into the ring: the record's payload is
 * `buf[offset, offset + length)`. The view is only valid during the call: the
 * kernel reuses the space as soon as the batch is published.
 */
export type RawRecordCallback = (buf: Uint8Array, offset: number, length: number) => void;

/** A running `pollEvery` timer. */
export interface RingPoller {
  /** Stops polling; the reader stays open. Idempotent. */
  stop(): void;
}

/** Options of `pollEvery`. */
export interface PollOptions {
  /** Called after every drain, also when it found nothing. */
  onBatch?: (result: DrainResult) => void;
  /** Called with an error thrown by a callback or the drain; polling stops. Without it the error is rethrown from the timer. */
  onError?: (error: unknown) => void;
  /** Bytes consumed at most per tick. Default: everything committed. */
  maxBytesPerTick?: number;
}

/** Zero-copy reader of a BPF ring buffer map; see the module comment. */
export class RawRingReader {
  /** Size of the data area in bytes (the map's max_entries). */
  readonly sizeBytes: number;
  readonly #pageSize: number;
  readonly #mask: number;
  #consumerMap: Pointer;
  #producerMap: Pointer;
  readonly #producerMapBytes: number;
  #consumerPos: BigUint64Array | null;
  #producerPos: BigUint64Array | null;
  #bytes: Uint8Array | null;
  #words: Uint32Array | null;

  /**
   * Maps the ring of `mapFd` (from `BpfObject.mapFd`), whose max_entries is
   * `sizeBytes`. The mapping keeps the map alive until `close`.
   * @throws Error when the size is not a power of two multiple of the page
   *   size, or mmap fails (naming the errno).
   */
  constructor(mapFd: number, sizeBytes: number) {
    const pageSize = lib.sysconf_pagesize();
    if (!Number.isInteger(sizeBytes) || sizeBytes < pageSize || (sizeBytes & (sizeBytes - 1)) !== 0) {
      throw new Error(`capture: ring of fd ${mapFd}: size ${sizeBytes} is not a power of two >= the page size ${pageSize}`);
    }
    this.sizeBytes = sizeBytes;
    this.#pageSize = pageSize;
    this.#mask = sizeBytes - 1;
    this.#producerMapBytes = pageSize + 2 * sizeBytes;

    const consumer = lib.mmap(pageSize, lib.PROT_READ | lib.PROT_WRITE, lib.MAP_SHARED, mapFd, 0);
    if (lib.isMapFailed(consumer.value)) {
      throw new Error(`capture: mmap consumer page of ring fd ${mapFd}: ${errnoName(consumer.errno)}`);
    }
    const producer = lib.mmap(this.#producerMapBytes, lib.PROT_READ, lib.MAP_SHARED, mapFd, pageSize);
    if (lib.isMapFailed(producer.value)) {
      lib.munmap(consumer.value, pageSize);
      throw new Error(`capture: mmap producer page and data of ring fd ${mapFd} (${sizeBytes} bytes): ${errnoName(producer.errno)}`);
    }
    this.#consumerMap = consumer.value;
    this.#producerMap = producer.value;
    const c = lib.viewNative(consumer.value, pageSize);
    const p = lib.viewNative(producer.value, this.#producerMapBytes);
    this.#consumerPos = new BigUint64Array(c.buffer, c.byteOffset, 1);
    this.#producerPos = new BigUint64Array(p.buffer, p.byteOffset, 1);
    this.#bytes = p;
    this.#words = new Uint32Array(p.buffer, p.byteOffset, this.#producerMapBytes >>> 2);
  }

  /** Bytes committed or reserved by producers and not consumed yet. */
  pendingBytes(): number {
    const [cons, prod] = this.#positions('pendingBytes');
    return Number(prod - cons);
  }

  /**
   * Walks the committed records in order, calls `onRecord` for each one that
   * is not discarded, then publishes the consumer position once. Stops at the
   * first record still being written (BUSY), when nothing is left, or once
   * `maxBytes` ring bytes were consumed. If `onRecord` throws, the records
   * before it and the one it threw on are consumed, then the error propagates.
   */
  drain(onRecord: RawRecordCallback, maxBytes: number = Infinity): DrainResult {
    const words = this.#words;
    const bytes = this.#bytes;
    if (!words || !bytes || !this.#consumerPos || !this.#producerPos) throw new Error('capture: drain: ring reader is closed');
    const consumerPos = this.#consumerPos;
    const producerPos = this.#producerPos;
    const mask = this.#mask;
    const dataStart = this.#pageSize;
    const start = Atomics.load(consumerPos, 0);
    const base = Number(start & BigInt(mask));
    let done = 0;
    let records = 0;
    let discarded = 0;
    try {
      let available = Number(Atomics.load(producerPos, 0) - start);
      while (done < available && done < maxBytes) {
        const pos = (base + done) & mask;
        const header = Atomics.load(words, (dataStart + pos) >>> 2);
        if (header & BUSY_BIT) break;
        const length = header & LENGTH_MASK;
        done += (length + HEADER_BYTES + 7) & ~7;
        if (header & DISCARD_BIT) {
          discarded++;
        } else {
          records++;
          onRecord(bytes, dataStart + pos + HEADER_BYTES, length);
        }
        // Pick up records committed while this batch was walked.
        if (done >= available) available = Number(Atomics.load(producerPos, 0) - start);
      }
    } finally {
      if (done > 0) Atomics.store(consumerPos, 0, start + BigInt(done));
    }
    return { records, discarded, bytes: done };
  }

  /**
   * Drains every `intervalMs` milliseconds on a Node timer until stopped.
   * The timer keeps the process alive while it runs.
   */
  pollEvery(intervalMs: number, onRecord: RawRecordCallback, options: PollOptions = {}): RingPoller {
    const { onBatch, onError, maxBytesPerTick } = options;
    const timer = setInterval(() => {
      try {
        const result = this.drain(onRecord, maxBytesPerTick);
        onBatch?.(result);
      } catch (error) {
        clearInterval(timer);
        if (!onError) throw error;
        onError(error);
      }
    }, intervalMs);
    return { stop: () => clearInterval(timer) };
  }

  /** Unmaps the ring. Stop pollers first; draining afterwards throws. Idempotent. */
  close(): void {
    if (this.#consumerMap === 0) return;
    this.#consumerPos = this.#producerPos = null;
    this.#bytes = null;
    this.#words = null;
    lib.munmap(this.#consumerMap, this.#pageSize);
    lib.munmap(this.#producerMap, this.#producerMapBytes);
    this.#consumerMap = this.#producerMap = 0;
  }

  #positions(what: string): [bigint, bigint] {
    if (!this.#consumerPos || !this.#producerPos) throw new Error(`capture: ${what}: ring reader is closed`);
    return [Atomics.load(this.#consumerPos, 0), Atomics.load(this.#producerPos, 0)];
  }
}

/** Copying reader layered on `RawRingReader`: records outlive the call. */
export class RingReader {
  readonly #raw: RawRingReader;

  /** Maps the ring of `mapFd` whose size is `sizeBytes`; see `RawRingReader`. */
  constructor(mapFd: number, sizeBytes: number) {
    this.#raw = new RawRingReader(mapFd, sizeBytes);
  }

  /** As `RawRingReader.drain`, with each record copied into its own array. */
  drain(onRecord: (record: Uint8Array) => void, maxBytes?: number): DrainResult {
    return this.#raw.drain((buf, offset, length) => onRecord(buf.slice(offset, offset + length)), maxBytes);
  }

  /** Copies of the committed records, oldest first (at most `maxBytes` ring bytes). */
  readAll(maxBytes?: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.drain((record) => out.push(record), maxBytes);
    return out;
  }

  /** Unmaps the ring. Idempotent. */
  close(): void {
    this.#raw.close();
  }
}
