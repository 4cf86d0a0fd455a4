import assert from 'node:assert/strict';
import { releaseBytes } from '../../lib/net/release-bytes';

// Sent request bodies are freed once answered (lib/net/release-bytes.ts). Freeing a Buffer
// that shares Node's pool would corrupt unrelated data: that must never happen.
describe('releasing a sent request body', function () {
  it('frees a body that owns its memory: the Buffer is empty afterwards', function () {
    const body = Buffer.from('<x>'.repeat(20_000), 'utf8');
    assert.equal(body.length, 60_000);
    releaseBytes(body);
    assert.equal(body.length, 0);
    assert.equal(body.buffer.byteLength, 0);
  });

  it('leaves a small body from Node\'s shared pool, and its neighbours, intact', function () {
    const before = Buffer.from('neighbour before', 'utf8');
    const body = Buffer.from('{"q":1}', 'utf8');
    const after = Buffer.from('neighbour after', 'utf8');
    assert.equal(body.buffer, before.buffer, 'small Buffers share the pool (the premise of this test)');
    releaseBytes(body);
    assert.equal(body.toString(), '{"q":1}');
    assert.equal(before.toString(), 'neighbour before');
    assert.equal(after.toString(), 'neighbour after');
  });

  it('leaves a slice of a larger Buffer intact', function () {
    const whole = Buffer.alloc(10_000, 'a');
    const part = whole.subarray(100, 9_000);
    releaseBytes(part);
    assert.equal(part.length, 8_900);
    assert.equal(whole.length, 10_000);
  });
});
