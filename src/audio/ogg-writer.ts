/**
 * An Ogg page writer (RFC 3533): packets in, pages out, with correct lacing, CRC, sequence numbers,
 * granule positions and begin/end-of-stream flags. Pure.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  return crc >>> 0;
}

const MAX_SEGMENTS = 255;

/** Writes one logical Ogg bitstream. */
export class OggWriter {
  #sequence = 0;
  #pending: Uint8Array[] = [];
  #pendingSegments = 0;
  #started = false;
  #ended = false;

  constructor(private readonly serial: number) {}

  /**
   * Adds a packet. Packets accumulate until {@link pageOut} (or until a page is full, when the
   * full page is returned at once with `granule` of the packets it completes).
   */
  addPacket(packet: Uint8Array, granule: bigint): Uint8Array[] {
    if (this.#ended) throw new Error('Ogg stream already ended');
    const out: Uint8Array[] = [];
    const segments = Math.floor(packet.length / 255) + 1;
    if (this.#pendingSegments + segments > MAX_SEGMENTS && this.#pending.length > 0) {
      out.push(this.#page(this.#lastGranule, false));
    }
    this.#pending.push(packet);
    this.#pendingSegments += segments;
    this.#lastGranule = granule;
    return out;
  }

  #lastGranule = 0n;

  /** Emits the packets added so far as one page (nothing when none are pending and not `last`). */
  pageOut(last = false): Uint8Array[] {
    if (this.#pending.length === 0 && !last) return [];
    return [this.#page(this.#lastGranule, last)];
  }

  /** Emits `packet` alone on its own page, flushing anything pending first (for headers). */
  packetPage(packet: Uint8Array, granule: bigint): Uint8Array[] {
    const out = this.pageOut();
    this.#pending.push(packet);
    this.#pendingSegments += Math.floor(packet.length / 255) + 1;
    this.#lastGranule = granule;
    out.push(this.#page(granule, false));
    return out;
  }

  /** Overrides the granule position the next page will carry (used to trim the final page). */
  setGranule(granule: bigint): void {
    this.#lastGranule = granule;
  }

  #page(granule: bigint, last: boolean): Uint8Array {
    const lacing: number[] = [];
    for (const packet of this.#pending) {
      let remaining = packet.length;
      while (remaining >= 255) {
        lacing.push(255);
        remaining -= 255;
      }
      lacing.push(remaining);
    }
    const bodyLength = this.#pending.reduce((n, p) => n + p.length, 0);
    const page = new Uint8Array(27 + lacing.length + bodyLength);
    const view = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
    page[4] = 0;
    page[5] = (this.#started ? 0 : 0x02) | (last ? 0x04 : 0);
    view.setBigInt64(6, granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.#sequence++, true);
    page[26] = lacing.length;
    page.set(lacing, 27);
    let offset = 27 + lacing.length;
    for (const packet of this.#pending) {
      page.set(packet, offset);
      offset += packet.length;
    }
    view.setUint32(22, oggCrc(page), true);
    this.#pending = [];
    this.#pendingSegments = 0;
    this.#started = true;
    if (last) this.#ended = true;
    return page;
  }
}
