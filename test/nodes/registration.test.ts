import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { helper, allNodes } from '../support/node-red';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const types = Object.keys(pkg['node-red'].nodes) as string[];

describe('package: the eight nodes register in Node-RED', function () {
  afterEach(async function () {
    await helper.unload();
  });

  it('lists exactly the eight node types in package.json, each pointing at a built file', function () {
    assert.deepEqual(types.sort(), [
      'buero-changes',
      'buero-connection',
      'buero-exchange-connection',
      'buero-exchange-writer',
      'buero-map',
      'buero-outlook-changes',
      'buero-sync-log',
      'buero-writer',
    ]);
    for (const type of types) assert.equal(pkg['node-red'].nodes[type], `dist/nodes/${type}/${type}.js`);
  });

  it('every node folder (one with <type>.html) is a listed type; nodes/shared is none', function () {
    const nodesDir = path.join(__dirname, '../../nodes');
    const folders = fs.readdirSync(nodesDir).filter((f) => fs.existsSync(path.join(nodesDir, f, `${f}.html`)));
    assert.deepEqual(folders.sort(), [...types].sort());
    assert.ok(fs.existsSync(path.join(nodesDir, 'shared')) && !folders.includes('shared'));
  });

  it('registers every type with the runtime', async function () {
    await helper.load(allNodes, []);
    for (const type of types) {
      assert.ok(helper._RED.nodes.getType(type), `${type} is not registered`);
    }
  });

  for (const type of types) {
    it(`${type}: editor HTML registers the type literally, help exists in English and German`, function () {
      const dir = path.join(__dirname, '../../nodes', type);
      const html = fs.readFileSync(path.join(dir, `${type}.html`), 'utf8');
      assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\('${type}',\\s*\\{`));
      for (const lang of ['en-US', 'de']) {
        const help = fs.readFileSync(path.join(dir, 'locales', lang, `${type}.html`), 'utf8');
        assert.match(help, new RegExp(`data-help-name="${type}"`));
        const catalogue = JSON.parse(fs.readFileSync(path.join(dir, 'locales', lang, `${type}.json`), 'utf8'));
        assert.ok(catalogue[type]?.paletteLabel, `${lang} catalogue of ${type} has a palette label`);
      }
    });
  }
});
