// Types for @ewsjs/ntlm-client (installed with @ewsjs/xhr; it ships none).
declare module '@ewsjs/ntlm-client' {
  export function createType1Message(workstation: string, target: string): string;
  export function decodeType2Message(header: string): unknown;
  export function createType3Message(type2: unknown, username: string, password: string, workstation: string, target: string): string;
}
