import assert from 'node:assert/strict';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { bueroConnectionsElsewhere, stateFilePath } from '../../nodes/shared/state-file';

/** Just enough of Node-RED for the state-file helpers: settings and the running nodes. */
function fakeRed(userDir: string, connections: { id: string; name?: string; stateFile?: string }[]): NodeAPI {
  const running = new Map(connections.map((c) => [c.id, { ...c, type: 'buero-connection' }]));
  return {
    settings: { userDir },
    nodes: {
      eachNode: (cb: (n: { id: string; type: string }) => void) => {
        for (const c of connections) cb({ id: c.id, type: 'buero-connection' });
        cb({ id: 'w1', type: 'buero-exchange-writer' });
      },
      getNode: (id: string) => running.get(id) ?? null,
    },
  } as unknown as NodeAPI;
}

describe('state files of the büro+ connection and the writer', function () {
  const userDir = path.resolve('/srv/node-red');

  it('a setting is a path in the user directory unless absolute; empty means buero-sync.sqlite', function () {
    const RED = fakeRed(userDir, []);
    assert.equal(stateFilePath(RED, ''), path.join(userDir, 'buero-sync.sqlite'));
    assert.equal(stateFilePath(RED, undefined), path.join(userDir, 'buero-sync.sqlite'));
    assert.equal(stateFilePath(RED, ' state/sync.sqlite '), path.join(userDir, 'state/sync.sqlite'));
    assert.equal(stateFilePath(RED, path.resolve('/data/sync.sqlite')), path.resolve('/data/sync.sqlite'));
  });

  it('names the büro+ connections when none of them uses the writer\'s file', function () {
    const a = path.join(userDir, 'buero-sync.sqlite');
    const b = path.resolve('/data/buero-sync.sqlite');
    assert.deepEqual(bueroConnectionsElsewhere(fakeRed(userDir, [{ id: 'c1', name: 'büro+', stateFile: b }]), a), [{ label: '"büro+" (buero-connection)', file: b }]);
    assert.deepEqual(bueroConnectionsElsewhere(fakeRed(userDir, [{ id: 'c1', stateFile: b }]), a), [{ label: 'buero-connection', file: b }]);
    // One sync per file (two Mandanten, each with its own file and writer): nothing to say.
    assert.deepEqual(bueroConnectionsElsewhere(fakeRed(userDir, [{ id: 'c1', stateFile: b }, { id: 'c2', stateFile: a }]), a), []);
    // No büro+ connection (a flow that builds writer messages itself), or one not running.
    assert.deepEqual(bueroConnectionsElsewhere(fakeRed(userDir, []), a), []);
    assert.deepEqual(bueroConnectionsElsewhere(fakeRed(userDir, [{ id: 'c1' }]), a), []);
  });
});
