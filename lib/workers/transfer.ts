// Which bytes a worker thread may hand over by transfer instead of copy. A transferred ArrayBuffer is detached
// on the sending side, so only one that nothing else there holds bytes of may go: never a slab that Node's Buffer
// pool shares between small Buffers (detaching it would empty every Buffer cut from it, and the pool's later
// ones), nor a SharedArrayBuffer.

/**
 * The distinct ArrayBuffers that `views` cover completely between them (every byte in some view, so no other
 * allocation can live in them): those may be transferred along with the views. The rest are left to be copied.
 */
export function exclusiveBuffers(views: readonly Uint8Array[]): ArrayBuffer[] {
  const ranges = new Map<ArrayBuffer, Array<[number, number]>>();
  for (const v of views) {
    const ab = v.buffer;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength === 0) continue;
    let list = ranges.get(ab);
    if (!list) ranges.set(ab, (list = []));
    list.push([v.byteOffset, v.byteOffset + v.byteLength]);
  }
  const out: ArrayBuffer[] = [];
  for (const [ab, list] of ranges) {
    list.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    for (const [from, to] of list) {
      if (from > covered) break;
      covered = Math.max(covered, to);
    }
    if (covered === ab.byteLength) out.push(ab);
  }
  return out;
}
