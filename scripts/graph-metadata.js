#!/usr/bin/env node
// Extracts the part of Microsoft Graph's published v1.0 metadata (CSDL) that the Graph
// simulator validates request bodies against: the entity types the product writes, their base
// types, and every complex and enum type their properties reach. Run it again when the
// product writes a new kind of resource:
//
//   git clone https://github.com/microsoftgraph/msgraph-metadata
//   node scripts/graph-metadata.js msgraph-metadata/schemas/v1.0-Prod.csdl <commit>
//
// Writes sandbox/static/graph-metadata/graph-v1.0.xml (the type elements as published).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The resources the product creates or changes (docs/architecture.md: the Graph transport). */
const ROOTS = ['event', 'contact', 'contactFolder', 'todoTask', 'todoTaskList', 'linkedResource', 'calendar', 'singleValueLegacyExtendedProperty'];

const [csdlFile, commit = 'unknown'] = process.argv.slice(2);
if (!csdlFile) {
  console.error('usage: node scripts/graph-metadata.js <v1.0-Prod.csdl> [commit]');
  process.exit(2);
}
const csdl = fs.readFileSync(csdlFile, 'utf8');

/** Every top-level type element of the schema by name, as published. */
const elements = new Map();
for (const m of csdl.matchAll(/<(EntityType|ComplexType|EnumType) Name="([^"]+)"[^>]*?(?:\/>|>[\s\S]*?<\/\1>)/g)) {
  elements.set(m[2], { kind: m[1], text: m[0] });
}

const wanted = new Set();
const queue = [...ROOTS];
const typeName = (t) => t.replace(/^Collection\((.*)\)$/, '$1').replace(/^(graph|microsoft\.graph)\./, '');
while (queue.length) {
  const name = queue.shift();
  if (wanted.has(name)) continue;
  const el = elements.get(name);
  if (!el) throw new Error(`type ${name} not in ${csdlFile}`);
  wanted.add(name);
  const base = /BaseType="([^"]+)"/.exec(el.text.split('>')[0]);
  if (base) queue.push(typeName(base[1]));
  // Structural properties reach complex and enum types; navigation targets are entities the
  // product never writes through its parent, so they stay out.
  for (const p of el.text.matchAll(/<Property Name="[^"]+" Type="([^"]+)"/g)) {
    const t = typeName(p[1]);
    if (!t.startsWith('Edm.')) queue.push(t);
  }
  // Derived complex types may stand where their base is declared (`@odata.type`).
  if (el.kind === 'ComplexType') {
    for (const [other, o] of elements) {
      if (o.kind === 'ComplexType' && new RegExp(`BaseType="graph\\.${name}"`).test(o.text.split('>')[0])) queue.push(other);
    }
  }
}

const order = { EnumType: 0, ComplexType: 1, EntityType: 2 };
const body = [...wanted]
  .map((n) => elements.get(n))
  .sort((a, b) => order[a.kind] - order[b.kind] || a.text.localeCompare(b.text))
  .map((e) => `      ${e.text}`)
  .join('\n');
const out = `<?xml version="1.0" encoding="utf-8"?>
<!-- Extracted by scripts/graph-metadata.js from Microsoft Graph v1.0 metadata,
     https://github.com/microsoftgraph/msgraph-metadata schemas/v1.0-Prod.csdl at ${commit}
     (MIT License, Copyright (c) 2018 Microsoft Graph: see LICENSE beside this file).
     ${wanted.size} types: ${ROOTS.join(', ')}, their base types and every complex and enum type they reach. -->
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
${body}
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
const target = path.join(__dirname, '../sandbox/static/graph-metadata/graph-v1.0.xml');
fs.writeFileSync(target, out);
console.log(`graph-metadata: ${wanted.size} types written to ${path.relative(process.cwd(), target)}`);
