/**
 * nginx in front of hub nodes, as deploy/nginx.conf (the compose file's balancer) sets it up, run
 * as a plain process (Debian's package: `apt-get install -y nginx`). The generated config is the
 * deployed one with its `upstream` pointed at the nodes' loopback ports, a loopback port of its
 * own, its pid, logs and temp files in a temp directory, and one header more: which node answered,
 * so the bench can pick client addresses that ip_hash sends to each node.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort, repoRoot } from './servers.js';
import { removeDir, tempDir } from './workloads/workload.js';

export interface Nginx {
  port: number;
  httpUrl: string;
  /** the master and its workers (a worker's CPU time is not in its master's) */
  pids(): number[];
  /** which upstream (`127.0.0.1:<port>`) a client bound to `localAddress` reaches */
  upstreamOf(localAddress: string): Promise<string>;
  stop(): Promise<void>;
}

/** Throws a message that says what to install when nginx is not there. */
export function checkNginx(): void {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('nginx is not installed (Debian: apt-get install -y nginx); the cluster workload runs the hub nodes behind it');
  }
}

/** deploy/nginx.conf, rewritten for nodes on `upstreamPorts`, listening on 127.0.0.1:`port`. */
export function nginxConfig(deployed: string, upstreamPorts: number[], port: number, dir: string): string {
  const upstream = /(upstream caseroom \{\s*ip_hash;)[^}]*\}/;
  const listen = /listen 80;/;
  const location = /(location \/ \{)/;
  for (const [name, pattern] of Object.entries({ upstream, listen, location }))
    if (!pattern.test(deployed)) throw new Error(`deploy/nginx.conf has changed: its ${name} is not where the bench expects it`);
  return deployed
    .replace(upstream, `$1\n${upstreamPorts.map((p) => `    server 127.0.0.1:${p};`).join('\n')}\n  }`)
    .replace(listen, `listen 127.0.0.1:${port};\n    access_log ${join(dir, 'access.log')};`)
    .replace(location, `$1\n      add_header X-Upstream $upstream_addr always;`)
    .replace(
      /http \{/,
      `http {\n  client_body_temp_path ${dir}/client_body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;`,
    );
}

export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  checkNginx();
  const dir = tempDir('nginx');
  // The workers run as nobody: they must reach their temp directories.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, nginxConfig(readFileSync(join(repoRoot, 'deploy/nginx.conf'), 'utf8'), upstreamPorts, port, dir));
  const child = spawn(
    'nginx',
    ['-p', dir, '-c', config, '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const errors: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    removeDir(dir);
  };
  const upstreamOf = (localAddress: string): Promise<string> =>
    new Promise((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', localAddress }, (res) => {
        res.resume();
        const upstream = res.headers['x-upstream'];
        if (typeof upstream === 'string') done(upstream);
        else fail(new Error(`nginx answered ${res.statusCode} with no upstream`));
      });
      req.on('error', fail);
      req.end();
    });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${errors.join('') || readLog(join(dir, 'error.log'))}`);
      try {
        await upstreamOf('127.0.0.1');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((wait) => setTimeout(wait, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    pids: () => [child.pid!, ...childrenOf(child.pid!)],
    upstreamOf,
    stop,
  };
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
