// Minimal typings for node-red-node-test-helper (it ships none).
declare module 'node-red-node-test-helper' {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  interface TestHelper {
    init(nodeRedRuntime: string, userSettings?: Record<string, unknown>): void;
    load(nodes: unknown, flow: unknown[], credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): any;
    clearFlows(): Promise<void>;
    setFlows(flow: unknown[], type?: string, credentials?: Record<string, unknown>): Promise<void>;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    url(): string;
    request(): any;
    settings(userSettings: Record<string, unknown>): void;
    log(): any;
    _RED: any;
  }
  const helper: TestHelper;
  export = helper;
}
