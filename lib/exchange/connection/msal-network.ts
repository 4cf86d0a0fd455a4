import http from 'node:http';
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * An HTTP layer for MSAL built on Node's https with the connection's CA setting, so token
 * requests verify TLS against the same trust as the Exchange requests (an internal CA or a
 * proxy's CA). MSAL's own client uses the system store only.
 */
export function createNetworkClient(options: { ca?: string; timeoutMs?: number } = {}): INetworkModule {
  const agent = new https.Agent({ ca: options.ca, keepAlive: true });
  const timeoutMs = options.timeoutMs ?? 30_000;

  function send<T>(method: 'GET' | 'POST', url: string, opts: NetworkRequestOptions = {}): Promise<NetworkResponse<T>> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const lib = target.protocol === 'http:' ? http : https;
      const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
      if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
      const req = lib.request(target, {
        method,
        headers,
        agent: target.protocol === 'http:' ? undefined : agent,
        timeout: timeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            // MSAL reports a non-JSON answer itself; hand it over as it is.
          }
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: out, body: body as T });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  return {
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>('GET', url, opts),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>('POST', url, opts),
  };
}
