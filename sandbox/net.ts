import type http from 'node:http';
import type https from 'node:https';

/** Listens on 127.0.0.1 only (the simulators never face another address); port 0 = a free one. */
export function listen(server: http.Server | https.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a server at once, open keep-alive connections included. */
export function close(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
