/**
 * A minimal HTTP client for the simulator (tests, demo scripts, benchmarks): GraphQL POSTs and
 * the OAuth authorization-code flow with PKCE. Not the product's client (that is lib/buero).
 */
import crypto from 'node:crypto';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] } & Record<string, unknown>;
}

export async function graphql<T = Record<string, unknown>>(url: string, token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** RFC 7636: a random code_verifier and its S256 code_challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(48).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/** GET the authorization endpoint without following the redirect; returns status, Location and body. */
export async function authorize(authorizationEndpoint: string, params: Record<string, string>): Promise<{ status: number; location?: URL; body: string }> {
  const url = new URL(authorizationEndpoint);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : undefined, body: await res.text() };
}

export async function tokenRequest(tokenEndpoint: string, form: Record<string, string>, basic?: { clientId: string; clientSecret: string }): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(basic.clientId)}:${encodeURIComponent(basic.clientSecret)}`).toString('base64');
  const res = await fetch(tokenEndpoint, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
