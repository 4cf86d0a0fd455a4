// Preload for `node-red-dev validate`: the Flow Library catalogue
// (https://catalogue.nodered.org/catalogue.json) cannot be reached from this network, so that
// one look-up is answered locally with an empty catalogue. Every other rule is checked by the
// real tool (the npm registry, which it also asks, is reachable). Consequence: P08 (similar
// package names) and N01 (node names unique in the catalogue) are checked against no packages.
'use strict';
const path = require('node:path');

const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';
const devDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [devDir] }));
const realGet = axios.get.bind(axios);
axios.get = (url, ...rest) => {
  if (url === CATALOGUE) {
    console.log(`(answered locally: ${CATALOGUE} -> empty catalogue)`);
    return Promise.resolve({ status: 200, data: { modules: [] } });
  }
  return realGet(url, ...rest);
};
