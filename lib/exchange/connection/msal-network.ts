import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { HttpsClient, parseJsonText } from '../../net/https';

/**
 * An HTTP layer for MSAL over the product's HTTPS client with the connection's CA setting, so
 * token requests verify TLS against the same trust as the Exchange requests (an internal CA
 * or a proxy's CA). MSAL's own client uses the system store only.
 */
export function createNetworkClient(options: { ca?: string; timeoutMs?: number } = {}): INetworkModule {
  const client = new HttpsClient({ ca: options.ca, timeoutMs: options.timeoutMs });

  async function send<T>(method: 'GET' | 'POST', url: string, opts: NetworkRequestOptions = {}): Promise<NetworkResponse<T>> {
    const answer = await client.request(url, { method, headers: opts.headers, body: opts.body });
    // MSAL reports a non-JSON answer itself; hand it over as it is.
    return { status: answer.status, headers: answer.headers, body: (answer.text ? parseJsonText(answer.text) : {}) as T };
  }

  return {
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>('GET', url, opts),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>('POST', url, opts),
  };
}
