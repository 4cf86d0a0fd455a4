import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogFile } from '../../lib/log/file';

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('log file: rotation by size, appends across restarts, failures reported once', function () {
  let dir: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-log-'));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rotates at the size limit and keeps exactly the configured number of files, newest lines last', async function () {
    const file = path.join(dir, 'ExchangeSync.log');
    const log = new LogFile({ file, maxBytes: 300, files: 3 });
    const lines = Array.from({ length: 40 }, (_, i) => `2026-11-27 22:15:03.120 +01:00 INFO  line ${String(i).padStart(3, '0')}`);
    for (const l of lines) assert.equal(log.write(l), true);
    await log.close();

    assert.deepEqual(fs.readdirSync(dir).sort(), ['ExchangeSync.log', 'ExchangeSync.log.1', 'ExchangeSync.log.2']);
    for (const name of fs.readdirSync(dir)) {
      const size = fs.statSync(path.join(dir, name)).size;
      // A file is rotated once a write takes it to the limit, so it ends within one line of it.
      assert.ok(size <= 300 + lines[0].length + 1, `${name} has ${size} bytes`);
    }
    // Oldest to newest across the kept files: the newest lines, in order, none missing between.
    const kept = [...read(`${file}.2`), ...read(`${file}.1`), ...read(file)];
    assert.ok(kept.length > 0 && kept.length < lines.length, 'older lines were dropped with the oldest file');
    assert.deepEqual(kept, lines.slice(lines.length - kept.length));
    assert.equal(log.lost, 0);
  });

  it('appends to the same file after a restart, and creates a missing directory', async function () {
    const file = path.join(dir, 'logs', 'deep', 'ExchangeSync.log');
    const first = new LogFile({ file, maxBytes: 1024 * 1024, files: 5 });
    first.write('line 1');
    first.write('line 2');
    await first.close();
    const second = new LogFile({ file, maxBytes: 1024 * 1024, files: 5 });
    second.write('line 3');
    await second.close();
    assert.deepEqual(read(file), ['line 1', 'line 2', 'line 3']);
  });

  it('a file that cannot be written: reported once, never thrown, lines counted; writable again after the retry time', async function () {
    const blocker = path.join(dir, 'not-a-directory');
    fs.writeFileSync(blocker, 'x');
    const file = path.join(blocker, 'ExchangeSync.log');
    let now = 1_000_000;
    const errors: Error[] = [];
    const recovered: number[] = [];
    const log = new LogFile({
      file,
      maxBytes: 1024,
      files: 2,
      retryMs: 30_000,
      clock: () => now,
      onError: (e) => errors.push(e),
      onRecovered: (lost) => recovered.push(lost),
    });
    log.write('lost 1');
    await until(() => errors.length > 0, 'the failure');
    assert.equal(log.write('lost 2'), false);
    now += 10_000;
    assert.equal(log.write('lost 3'), false, 'no new attempt before the retry time');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(errors.length, 1, 'reported once');
    assert.match(errors[0].message, /ENOTDIR|EEXIST|not a directory/);
    assert.ok(log.failure);

    // The administrator fixes the path; after the retry time the next line opens the file again.
    fs.rmSync(blocker);
    now += 30_000;
    assert.equal(log.write('back'), true);
    await until(() => recovered.length > 0, 'the recovery');
    assert.deepEqual(recovered, [3]);
    assert.equal(log.failure, undefined);
    await log.close();
    assert.deepEqual(read(file), ['back']);
    assert.equal(log.lost, 3);
  });

  it('one writer per file: a second sync log on the same path is refused until the first closes', async function () {
    const file = path.join(dir, 'ExchangeSync.log');
    const first = new LogFile({ file, maxBytes: 1024, files: 2 });
    assert.throws(() => new LogFile({ file, maxBytes: 1024, files: 2 }), /already written by another sync log/);
    await first.close();
    const again = new LogFile({ file, maxBytes: 1024, files: 2 });
    await again.close();
  });
});
