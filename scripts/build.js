#!/usr/bin/env node
// Build: TypeScript (strict) to dist/, then each node's editor HTML and locales beside its JS.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
let typeErrors = false;
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
} catch {
  typeErrors = true; // tsc still emits; the assets are copied and the build fails at the end
}

// Editor files: <type>.html and locales/ are copied as they are, so the built HTML keeps the
// literal RED.nodes.registerType('type', { … }) that the Flow Library scorecard looks for.
// A folder is a node when it holds <folder>.html; nodes/shared holds code the nodes share.
const nodesDir = path.join(root, 'nodes');
for (const type of fs.readdirSync(nodesDir)) {
  const src = path.join(nodesDir, type);
  if (!fs.existsSync(path.join(src, `${type}.html`))) continue;
  const out = path.join(dist, 'nodes', type);
  fs.mkdirSync(out, { recursive: true });
  for (const entry of fs.readdirSync(src)) {
    if (entry.endsWith('.html')) fs.copyFileSync(path.join(src, entry), path.join(out, entry));
  }
  // Node-RED finds a node's icons in an `icons` folder beside its .js file.
  fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });
  if (fs.existsSync(path.join(src, 'locales'))) {
    fs.cpSync(path.join(src, 'locales'), path.join(out, 'locales'), { recursive: true });
  }
}
// Static assets the sandbox serves (pages, data) live beside its TypeScript.
const sandboxStatic = path.join(root, 'sandbox', 'static');
if (fs.existsSync(sandboxStatic)) fs.cpSync(sandboxStatic, path.join(dist, 'sandbox', 'static'), { recursive: true });
if (typeErrors) {
  console.error('build: TypeScript reported errors (above)');
  process.exit(1);
}
console.log('build: dist/ ready');
