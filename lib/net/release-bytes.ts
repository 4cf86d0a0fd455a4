/**
 * Frees a sent request's bytes now instead of at V8's next full collection. A request lives
 * through a round trip, long enough for its Buffer to be promoted to V8's old space; there its
 * memory (outside the heap: 40 KB and more for a batch) waits for a full collection while the
 * writer sends hundreds of batches: 50 MB more at the peak of a large sync (docs/architecture.md,
 * "Memory"). Handing the memory to a new ArrayBuffer that nothing keeps (a transfer) detaches
 * the Buffer, and the next scavenge frees it.
 *
 * Call it only once the server has answered the request in full (it has read every byte, so
 * no write still uses them), and never for a Buffer used again. Buffers that share an
 * ArrayBuffer (Node's pool for small ones) are left alone.
 */
export function releaseBytes(bytes: Buffer): void {
  const whole = bytes.buffer;
  if (bytes.byteOffset !== 0 || whole.byteLength !== bytes.length) return;
  structuredClone(whole, { transfer: [whole] });
}
