/**
 * An AWS API emulator on loopback for the audit's tests and benchmark: moto's server
 * (PyPI `moto[server]`, pinned in scripts/python-tools.txt, installed in .tools/venv), started on
 * a free port of 127.0.0.1 and stopped after. Plus a small ECS client for the tests to set the
 * account up (clusters, task definitions, services, running tasks) with the same SDK the audit uses.
 *
 * Test support only.
 */
import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import { ECSClient } from '@aws-sdk/client-ecs';
import { venvTool } from './tools';

/** Credentials and region for the emulator (moto accepts any). */
export const FAKE_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAAUDITTEST0000000',
  AWS_SECRET_ACCESS_KEY: 'audit-test-secret',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Where moto_server is, or undefined when scripts/install-tools.sh has not installed it. */
export function motoServerPath(): string | undefined {
  return venvTool('moto_server');
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  readonly url: string;
  readonly port: number;
  /** The server's process id (for the benchmark's CPU accounting). */
  readonly pid: number;
  /** Forgets every resource (moto's reset API), for a fresh account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function request(url: string, method: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end();
  });
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const bin = motoServerPath();
  if (!bin) throw new Error("moto_server is not installed: run 'bash scripts/install-tools.sh'");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', d => { stderr = (stderr + d).slice(-4000); });
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let up = false;
    while (child.exitCode === null && Date.now() - started < 30_000) {
      try {
        await request(`${url}/moto-api/`, 'GET');
        up = true;
        break;
      } catch {
        await new Promise(r => setTimeout(r, 100));
      }
    }
    if (up) {
      return {
        url,
        port,
        pid: child.pid!,
        reset: async () => { await request(`${url}/moto-api/reset`, 'POST'); },
        stop: () => new Promise<void>(resolve => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
      };
    }
    child.kill('SIGKILL');
    // The port may have been taken between freePort() and the bind: try another, twice.
    if (attempt >= 2) throw new Error(`moto_server did not start: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** An ECS client for setting the emulated account up (not the audit's own client). */
export function setupClient(endpoint: string): ECSClient {
  return new ECSClient({
    endpoint,
    region: FAKE_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  });
}
