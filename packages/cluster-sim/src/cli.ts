/**
 * Command line entry of the simulated cluster (`yarn cluster-sim --port 6443 --kubeconfig /tmp/kc`):
 * parses flags, starts the server, prints a `ready` line with the URL and the
 * `export KUBECONFIG=…` to use, and stops cleanly (state flushed, watches closed, exit 0)
 * on SIGTERM or SIGINT.
 */
import os from 'node:os';
import path from 'node:path';
import { ClusterSimOptions, startClusterSim } from './index';
import { FaultSpecError, parseFaultSpec } from './http/faults';

const USAGE = `Usage: cluster-sim [flags]

  --port <p>             port to listen on (default 6443; 0 picks a free port)
  --host <addr>          address to bind (default 127.0.0.1)
  --kubeconfig <file>    write the kubeconfig here (default: <data>/kubeconfig or a temp file)
  --data <dir>           keep state in this directory across restarts
  --controllers on|off   simulated workload controllers (default on)
  --insecure-http        serve plain http instead of https
  --token <t>            bearer token (default: random, kept in --data)
  --ready-delay <ms>     container start to Ready (default 1000)
  --nodes <n>            simulated nodes (default 1)
  --request-rate <rps>   simulated requests per second per Service (default 10)
  --fault <spec>         fault injection, repeatable, e.g. verb=list,kind=Pod,error=500,rate=0.2
                         or latency=200ms or watch-drop=0.1
  --help                 show this help
`;

export class UsageError extends Error {}

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} needs a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

export interface CliConfig {
  options: ClusterSimOptions;
  help: boolean;
}

export function parseArgs(argv: string[]): CliConfig {
  const options: ClusterSimOptions = { port: 6443, controllerOptions: {} };
  const faults: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--port':
        options.port = num(arg, next());
        break;
      case '--host':
        options.host = next();
        break;
      case '--kubeconfig':
        options.kubeconfigPath = next();
        break;
      case '--data':
        options.dataDir = next();
        break;
      case '--controllers': {
        const v = next();
        if (v !== 'on' && v !== 'off') throw new UsageError(`--controllers takes on or off, got ${JSON.stringify(v)}`);
        options.controllers = v === 'on';
        break;
      }
      case '--insecure-http':
        options.http = true;
        break;
      case '--token':
        options.token = next();
        break;
      case '--ready-delay':
        options.controllerOptions!.readyDelayMs = num(arg, next());
        break;
      case '--nodes':
        options.controllerOptions!.nodes = num(arg, next());
        break;
      case '--request-rate':
        options.controllerOptions!.requestRate = num(arg, next());
        break;
      case '--fault': {
        const spec = next();
        try {
          parseFaultSpec(spec);
        } catch (e) {
          if (e instanceof FaultSpecError) throw new UsageError(`--fault: ${e.message}`);
          throw e;
        }
        faults.push(spec);
        break;
      }
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  if (faults.length) options.faults = faults;
  if (!options.kubeconfigPath) {
    options.kubeconfigPath = options.dataDir
      ? path.join(options.dataDir, 'kubeconfig')
      : path.join(os.tmpdir(), `cluster-sim-${process.pid}.kubeconfig`);
  }
  return { options, help };
}

async function main(): Promise<void> {
  let config: CliConfig;
  try {
    config = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cluster-sim: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  if (config.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sim = await startClusterSim(config.options);
  const kubeconfig = path.resolve(config.options.kubeconfigPath!);
  process.stdout.write(`cluster-sim ready at ${sim.url} (kubeconfig ${kubeconfig})\nexport KUBECONFIG=${kubeconfig}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`cluster-sim: ${signal}, stopping\n`);
    sim.stop().then(
      () => process.exit(0),
      e => {
        process.stderr.write(`cluster-sim: stop failed: ${(e as Error).stack ?? e}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

// Runs when loaded by bin/cluster-sim (or directly), not when imported by tests.
if (require.main === module || /[\\/]bin[\\/]cluster-sim$/.test(require.main?.filename ?? '')) {
  main().catch(e => {
    process.stderr.write(`cluster-sim: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
