/** RIFF/WAVE (16-bit PCM) headers. Pure. */

/** Marker for a stream whose length is not known when the header is sent. */
export const WAV_UNKNOWN_SIZE = 0xffffffff;

/**
 * A 44-byte WAVE header for 16-bit PCM. With `dataBytes` the RIFF and data sizes are exact;
 * without it (a stream) they are 0xFFFFFFFF, which players and ffmpeg read as "until the end".
 */
export function wavHeader(sampleRate: number, channels: number, dataBytes?: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  const blockAlign = channels * 2;
  ascii(0, 'RIFF');
  view.setUint32(4, dataBytes === undefined ? WAV_UNKNOWN_SIZE : 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes === undefined ? WAV_UNKNOWN_SIZE : dataBytes, true);
  return header;
}
