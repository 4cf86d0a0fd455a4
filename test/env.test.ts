import assert from 'node:assert/strict';
import { expandVariables, isUnresolvedVariable, lookupIn, missingSecretText, nodeRedLookup, readSecret } from '../lib/env';

// One rule for ${NAME} in every node's settings (büro+ connection, Exchange connection, map, log).
describe('environment variables in settings', function () {
  it('replaces ${NAME} with environment values', function () {
    const env: Record<string, string> = { EXCHANGE_CLIENT_SECRET: 's3cr3t', HOST: 'mail' };
    assert.equal(expandVariables('${EXCHANGE_CLIENT_SECRET}', (n) => env[n]), 's3cr3t');
    assert.equal(expandVariables('https://${HOST}.firma.de/${MISSING}x', (n) => env[n]), 'https://mail.firma.de/x');
    assert.equal(expandVariables('plain', () => 'never'), 'plain');
  });

  it('an unset variable is empty and named to the caller; no value is empty', function () {
    const unset: string[] = [];
    assert.equal(expandVariables('${A}/${B}/${C}', lookupIn({ B: '' }), (name) => unset.push(name)), '//');
    assert.deepEqual(unset, ['A', 'C']);
    assert.equal(expandVariables(undefined, lookupIn({})), '');
  });

  it("Node-RED's lookup: its value first (flow, global), else the process environment; a node outside a flow reads the process environment", function () {
    process.env.ENV_TEST_BOTH = 'process';
    process.env.ENV_TEST_PROCESS_ONLY = 'process';
    try {
      const settings: Record<string, unknown> = { ENV_TEST_BOTH: 'flow', ENV_TEST_NUMBER: 42, ENV_TEST_PROCESS_ONLY: '' };
      const lookup = nodeRedLookup((name) => settings[name]);
      assert.deepEqual(['ENV_TEST_BOTH', 'ENV_TEST_NUMBER', 'ENV_TEST_PROCESS_ONLY', 'ENV_TEST_NONE'].map(lookup), ['flow', '42', 'process', undefined]);
      const outside = nodeRedLookup(() => {
        throw new Error('not in a flow');
      });
      assert.equal(outside('ENV_TEST_BOTH'), 'process');
      assert.equal(nodeRedLookup()('ENV_TEST_BOTH'), 'process');
    } finally {
      delete process.env.ENV_TEST_BOTH;
      delete process.env.ENV_TEST_PROCESS_ONLY;
    }
  });

  it('a property Node-RED left unresolved: exactly ${NAME} or $(NAME)', function () {
    const table: [unknown, boolean][] = [
      ['${SYNC_LOG_FILE}', true],
      [' ${X} ', true],
      ['$(BUERO_TZ)', true],
      ['${}', false],
      ['logs/${X}.log', false],
      ['Europe/Berlin', false],
      ['', false],
      [undefined, false],
    ];
    for (const [value, unresolved] of table) assert.equal(isUnresolvedVariable(value), unresolved, String(value));
  });

  it('a secret: the typed credential wins; else the named variable; where it came from is kept for the message, never the value', function () {
    const env = lookupIn({ BUERO_TOKEN: 'from-env', EMPTY: '' });
    const table: [{ typed?: string; variable?: string }, { value: string; variable?: string; badName?: boolean }][] = [
      [{ typed: 'typed-token', variable: 'BUERO_TOKEN' }, { value: 'typed-token' }],
      [{ typed: '${BUERO_TOKEN}' }, { value: 'from-env', variable: 'BUERO_TOKEN' }],
      [{ typed: '${UNSET}', variable: 'BUERO_TOKEN' }, { value: '', variable: 'UNSET' }],
      [{ typed: '', variable: 'BUERO_TOKEN' }, { value: 'from-env', variable: 'BUERO_TOKEN' }],
      [{ typed: '  ', variable: ' BUERO_TOKEN ' }, { value: 'from-env', variable: 'BUERO_TOKEN' }],
      [{ variable: 'UNSET' }, { value: '', variable: 'UNSET' }],
      [{ variable: 'EMPTY' }, { value: '', variable: 'EMPTY' }],
      [{}, { value: '' }],
      // Node-RED replaced a setting written as ${BUERO_TOKEN} by its value: not a name, never echoed.
      [{ variable: 'from-env' }, { value: '', badName: true }],
    ];
    for (const [setting, want] of table) assert.deepEqual(readSecret(setting, env), want, JSON.stringify(setting));
    assert.equal(missingSecretText({ variable: 'BUERO_TOKEN' }, 'Token'), 'the environment variable BUERO_TOKEN (setting "Token") is not set');
    assert.equal(missingSecretText({}, 'Token'), 'the setting "Token" is empty');
    assert.doesNotMatch(missingSecretText(readSecret({ variable: 'from-env' }, env), 'Token'), /from-env/);
  });
});
