/*
 * Editor helper of @buero-sync/node-red-exchange (the connection dialogs load it from
 * resources/@buero-sync/node-red-exchange/secret-input.js): a secret setting is either typed
 * into the dialog or the name of an environment variable, chosen as in any TypedInput.
 *
 * Typed, it is a Node-RED credential: kept encrypted in flows_cred.json, and set only through a
 * deploy. Named, it is a plain setting `<field>Env`: a flows.json copied onto a server carries
 * the name, the process environment the value. At run time a typed secret wins.
 *
 * The dialog holds <input id="node-config-input-<field>"> (the credential; it becomes the
 * TypedInput) and <input type="hidden" id="node-config-input-<field>Env"> (the variable name).
 */
(function () {
  'use strict';
  if (window.bueroSyncSecretInput) return;

  function inputs(field) {
    return { secret: $('#node-config-input-' + field), variable: $('#node-config-input-' + field + 'Env') };
  }

  window.bueroSyncSecretInput = {
    /**
     * Turns the credential input into a TypedInput. options.label: the text of the "typed here"
     * type; options.password: false for a value that is no password (a client ID).
     */
    prepare: function (field, options) {
      var el = inputs(field);
      // Node-RED filled both before oneditprepare: the credential ('__PWRD__' for a stored
      // password) and the variable name.
      var values = { secret: el.secret.val() || '', env: el.variable.val() || '' };
      var current = values.secret || !values.env ? 'secret' : 'env';
      // The TypedInput takes this type for every kind without its own: a variable name is no
      // password (the "typed here" kind sets password itself).
      el.secret.attr('type', 'text');
      el.secret.typedInput({
        default: current,
        types: [
          { value: 'secret', label: options.label, icon: 'fa fa-lock', inputType: options.password === false ? 'text' : 'password' },
          'env'
        ]
      });
      el.secret.typedInput('value', values[current]);
      // Each type keeps its own value: a stored password never shows as a variable name.
      el.secret.on('change', function () {
        var type = el.secret.typedInput('type');
        if (type === current) return;
        values[current] = el.secret.typedInput('value');
        current = type;
        el.secret.typedInput('value', values[type] || '');
      });
    },

    /** Called from oneditsave, before Node-RED reads the inputs: one of the two is kept. */
    save: function (field) {
      var el = inputs(field);
      if (el.secret.typedInput('type') === 'env') {
        el.variable.val(String(el.secret.typedInput('value') || '').trim().replace(/^\$\{(.*)\}$/, '$1'));
        // The variable replaces a secret typed before.
        el.secret.typedInput('value', '');
      } else {
        el.variable.val('');
      }
    }
  };
})();
