/**
 * Server side of NTLM over HTTP as IIS does it for Exchange on-premises: the client sends a
 * NEGOTIATE (type 1) message, gets a CHALLENGE (type 2) with a random server challenge and
 * target info, and answers with an AUTHENTICATE (type 3) message whose NTLMv2 response proves
 * it knows the password. The challenge belongs to the TCP connection it was sent on.
 * Source: [MS-NLMP] 2.2.1 (message formats) and 3.3.2 (NTLMv2 response computation).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

const NEGOTIATE_UNICODE = 0x00000001;
const REQUEST_TARGET = 0x00000004;
const NEGOTIATE_NTLM = 0x00000200;
const NEGOTIATE_ALWAYS_SIGN = 0x00008000;
const TARGET_TYPE_DOMAIN = 0x00010000;
const NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
const NEGOTIATE_TARGET_INFO = 0x00800000;
const NEGOTIATE_VERSION = 0x02000000;
const NEGOTIATE_128 = 0x20000000;
const NEGOTIATE_56 = 0x80000000;

export function messageType(token: Buffer): number {
  if (token.length < 12 || !token.subarray(0, 8).equals(SIGNATURE)) return 0;
  return token.readUInt32LE(8);
}

/** CHALLENGE message for `domain` (NetBIOS name) with a fresh 8-byte server challenge. */
export function challengeMessage(domain: string, server: string): { token: Buffer; challenge: Buffer } {
  const challenge = randomBytes(8);
  const target = Buffer.from(domain.toUpperCase(), 'utf16le');
  const av = (id: number, value: Buffer) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(id, 0);
    h.writeUInt16LE(value.length, 2);
    return Buffer.concat([h, value]);
  };
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  const targetInfo = Buffer.concat([
    av(2, target), // MsvAvNbDomainName
    av(1, Buffer.from(server.toUpperCase(), 'utf16le')), // MsvAvNbComputerName
    av(4, Buffer.from(domain.toLowerCase() + '.local', 'utf16le')), // MsvAvDnsDomainName
    av(3, Buffer.from(server.toLowerCase() + '.' + domain.toLowerCase() + '.local', 'utf16le')), // MsvAvDnsComputerName
    av(7, timestamp), // MsvAvTimestamp
    av(0, Buffer.alloc(0)), // MsvAvEOL
  ]);
  const header = Buffer.alloc(56);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(target.length, 12);
  header.writeUInt16LE(target.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE((NEGOTIATE_UNICODE | REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN | TARGET_TYPE_DOMAIN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY | NEGOTIATE_TARGET_INFO | NEGOTIATE_VERSION | NEGOTIATE_128 | NEGOTIATE_56) >>> 0, 20);
  challenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + target.length, 44);
  // Version: Windows Server 2016 (10.0 build 14393), NTLM revision 15.
  Buffer.from([10, 0, 0x39, 0x38, 0, 0, 0, 15]).copy(header, 48);
  return { token: Buffer.concat([header, target, targetInfo]), challenge };
}

export interface Authenticate {
  user: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
}

export function parseAuthenticate(token: Buffer): Authenticate | undefined {
  if (messageType(token) !== 3 || token.length < 52) return undefined;
  const flags = token.length >= 64 ? token.readUInt32LE(60) : 0;
  const field = (offset: number) => {
    const len = token.readUInt16LE(offset);
    const at = token.readUInt32LE(offset + 4);
    return at + len <= token.length ? token.subarray(at, at + len) : Buffer.alloc(0);
  };
  // Strings are UTF-16LE unless only OEM was negotiated.
  const str = (b: Buffer) => (flags & NEGOTIATE_UNICODE || flags === 0 ? b.toString('utf16le') : b.toString('latin1'));
  return { ntResponse: field(20), domain: str(field(28)), user: str(field(36)), workstation: str(field(44)) };
}

/** Checks an NTLMv2 response: HMAC-MD5(NTOWFv2, serverChallenge + blob) must equal its first 16 bytes. */
export function verifyNtlmV2(auth: Authenticate, password: string, serverChallenge: Buffer): boolean {
  if (auth.ntResponse.length <= 24) return false; // NTLMv1 responses are 24 bytes: refused, as by current Windows servers.
  const ntHash = md4(Buffer.from(password, 'utf16le'));
  const ntowfv2 = createHmac('md5', ntHash).update(Buffer.from(auth.user.toUpperCase() + auth.domain, 'utf16le')).digest();
  const proof = auth.ntResponse.subarray(0, 16);
  const blob = auth.ntResponse.subarray(16);
  const expected = createHmac('md5', ntowfv2).update(Buffer.concat([serverChallenge, blob])).digest();
  return timingSafeEqual(proof, expected);
}

/** MD4 (RFC 1320): the NT hash needs it, and OpenSSL 3 no longer offers it to Node. */
export function md4(input: Buffer): Buffer {
  const len = input.length;
  const padded = Buffer.alloc((((len + 8) >> 6) + 1) * 64);
  input.copy(padded);
  padded[len] = 0x80;
  padded.writeUInt32LE((len * 8) >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor((len * 8) / 2 ** 32), padded.length - 4);
  let a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
  const rotl = (x: number, s: number) => (x << s) | (x >>> (32 - s));
  const F = (x: number, y: number, z: number) => (x & y) | (~x & z);
  const G = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
  const H = (x: number, y: number, z: number) => x ^ y ^ z;
  for (let off = 0; off < padded.length; off += 64) {
    const X = Array.from({ length: 16 }, (_, i) => padded.readUInt32LE(off + i * 4));
    const [aa, bb, cc, dd] = [a, b, c, d];
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + F(b, c, d) + X[i]!) | 0, 3);
      d = rotl((d + F(a, b, c) + X[i + 1]!) | 0, 7);
      c = rotl((c + F(d, a, b) + X[i + 2]!) | 0, 11);
      b = rotl((b + F(c, d, a) + X[i + 3]!) | 0, 19);
    }
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + G(b, c, d) + X[i]! + 0x5a827999) | 0, 3);
      d = rotl((d + G(a, b, c) + X[i + 4]! + 0x5a827999) | 0, 5);
      c = rotl((c + G(d, a, b) + X[i + 8]! + 0x5a827999) | 0, 9);
      b = rotl((b + G(c, d, a) + X[i + 12]! + 0x5a827999) | 0, 13);
    }
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + H(b, c, d) + X[i]! + 0x6ed9eba1) | 0, 3);
      d = rotl((d + H(a, b, c) + X[i + 8]! + 0x6ed9eba1) | 0, 9);
      c = rotl((c + H(d, a, b) + X[i + 4]! + 0x6ed9eba1) | 0, 11);
      b = rotl((b + H(c, d, a) + X[i + 12]! + 0x6ed9eba1) | 0, 15);
    }
    a = (a + aa) | 0; b = (b + bb) | 0; c = (c + cc) | 0; d = (d + dd) | 0;
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((v, i) => out.writeInt32LE(v, i * 4));
  return out;
}
