import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveSettings } from '../../lib/log/settings';

const USER_DIR = path.resolve('/srv/node-red');

describe('log settings: node configuration, environment variables, defaults', function () {
  it('defaults: ExchangeSync.log in the user directory, 10 MB, 5 files, German, no transfers, no forwarding', function () {
    assert.deepEqual(resolveSettings({}, USER_DIR), {
      settings: {
        file: path.join(USER_DIR, 'ExchangeSync.log'),
        maxBytes: 10 * 1024 * 1024,
        files: 5,
        language: 'de',
        logTransfers: false,
        forward: false,
      },
      problems: [],
    });
  });

  it('an environment variable Node-RED could not resolve (left as ${NAME}) means the default', function () {
    const { settings, problems } = resolveSettings(
      { file: '${SYNC_LOG_FILE}', maxSizeMb: '${SYNC_LOG_MB}', files: '${X}', language: '${L}', logTransfers: '${SYNC_LOG_TRANSFERS}' },
      USER_DIR,
    );
    assert.equal(settings.file, path.join(USER_DIR, 'ExchangeSync.log'));
    assert.equal(settings.logTransfers, false);
    assert.deepEqual(problems, []);
  });

  it('resolved values: relative paths against the user directory, absolute as they are, texts for booleans', function () {
    const a = resolveSettings({ file: 'logs/sync.log', maxSizeMb: '0,5', files: '3', language: 'en-US', logTransfers: 'true', forward: 'ja' }, USER_DIR);
    assert.deepEqual(a.settings, {
      file: path.join(USER_DIR, 'logs', 'sync.log'),
      maxBytes: 512 * 1024,
      files: 3,
      language: 'en',
      logTransfers: true,
      forward: true,
    });
    assert.equal(resolveSettings({ file: '/var/log/buero/ExchangeSync.log' }, USER_DIR).settings.file, '/var/log/buero/ExchangeSync.log');
  });

  it('an invalid value falls back to the default and is reported', function () {
    const { settings, problems } = resolveSettings({ maxSizeMb: 'ten', files: '1', logTransfers: 'maybe' }, USER_DIR);
    assert.equal(settings.maxBytes, 10 * 1024 * 1024);
    assert.equal(settings.files, 5);
    assert.deepEqual(problems, [
      { setting: 'maxSizeMb', value: 'ten', used: '10' },
      { setting: 'files', value: '1', used: '5' },
      { setting: 'logTransfers', value: 'maybe', used: 'false' },
    ]);
  });
});
