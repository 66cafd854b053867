/**
 * A real git smart-HTTP server for tests: `git http-backend` (the CGI program git ships)
 * behind a small node http server that demands Basic auth, listening on 127.0.0.1 on a
 * free port. Serves every repository under `projectRoot`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  baseURL: string;
  /** Requests answered with 401 because credentials were missing or wrong. */
  rejected: number;
  /** Requests passed to git http-backend. */
  served: number;
  close(): Promise<void>;
}

function parseCgiHeaders(head: string): {
  status: number;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const idx = line.indexOf(':');
    if (idx < 0) continue;
    const name = line.slice(0, idx).trim();
    const value = line.slice(idx + 1).trim();
    if (name.toLowerCase() === 'status') status = parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers };
}

export async function startGitHttpServer(options: {
  projectRoot: string;
  username: string;
  password: string;
}): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(
    `${options.username}:${options.password}`,
  ).toString('base64')}`;
  const state = { rejected: 0, served: 0 };

  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      state.rejected++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('authentication required\n');
      return;
    }
    state.served++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: options.username,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    };
    const cgi = spawn('git', ['http-backend'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(cgi.stdin);
    let buffered = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const sep = buffered.indexOf('\r\n\r\n');
      const sepLen = 4;
      const altSep = sep < 0 ? buffered.indexOf('\n\n') : -1;
      if (sep < 0 && altSep < 0) return;
      const at = sep >= 0 ? sep : altSep;
      const { status, headers } = parseCgiHeaders(
        buffered.subarray(0, at).toString('latin1'),
      );
      res.writeHead(status, headers);
      headersSent = true;
      res.write(buffered.subarray(at + (sep >= 0 ? sepLen : 2)));
    });
    cgi.stderr.resume();
    cgi.on('close', () => {
      if (!headersSent) res.writeHead(500);
      res.end();
    });
  });

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    get rejected() {
      return state.rejected;
    },
    get served() {
      return state.served;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
