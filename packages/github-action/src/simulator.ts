/**
 * The simulator backend: `simulator: true` starts the bundled CLI's `ecs-taper simulator serve` for the
 * length of the step (a fresh simulated ECS service behind an NLB, simulated time as fast as it goes), and
 * in simulator mode the reconnection chart is read from the simulated CloudWatch (the NLB's
 * NewFlowCount per target group) through the same loopback API the CLI's --simulator backend uses.
 */
import { spawn } from 'node:child_process';
import { cliPath } from './run-cli';

export interface RunningSimulator {
  url: string;
  stop(): Promise<void>;
}

/** Starts `ecs-taper simulator serve --port 0 --speed 0` and waits for its URL. */
export function startSimulator(extraArgs: readonly string[] = []): Promise<RunningSimulator> {
  const child = spawn(
    process.execPath,
    [cliPath, 'simulator', 'serve', '--port', '0', '--speed', '0', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the simulator did not start within 15 s: ${output.slice(-500)}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        // Its later output (one line per mutating call) is not read; keep the pipe flowing.
        child.stdout.resume();
        resolve({ url, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited (${code}) before it listened: ${output.slice(-500)}`));
    });
  });
}

/** The simulator's wire format: Dates travel as {"$date": epochMs} (runner-cli's simulator/protocol.ts). */
function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const date = (value as { $date?: unknown }).$date;
    if (Object.keys(value).length === 1 && typeof date === 'number') return date;
  }
  return value;
}

async function send(url: string, service: string, command: string, input: unknown): Promise<unknown> {
  const response = await fetch(`${url}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service, command, input }),
  });
  const body = JSON.parse(await response.text(), revive) as { output?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${service}.${command}: ${body.error.message}`);
  return body.output;
}

export interface FlowSeries {
  /** The first second of the series (epoch ms). */
  startMs: number;
  /** New connections in each second from startMs, summed over the load balancer's target groups. */
  perSecond: number[];
}

/** `net/<name>/<id>` of a load balancer ARN, `targetgroup/<name>/<id>` of a target group's: CloudWatch's dimensions. */
function dimensionOf(arn: string): string {
  const resource = arn.slice(arn.lastIndexOf(':') + 1);
  return resource.startsWith('loadbalancer/') ? resource.slice('loadbalancer/'.length) : resource;
}

/**
 * New connections per second through `loadBalancerArn` between two times: NewFlowCount (Sum, 1 s) of
 * each of its target groups, added up. Periods of 1 s exist only in the simulator (the real metric is
 * per minute), which is why the chart is drawn in simulator mode only.
 */
export async function newFlowsPerSecond(
  url: string,
  loadBalancerArn: string,
  startMs: number,
  endMs: number,
): Promise<FlowSeries> {
  const groups = (await send(url, 'elbv2', 'DescribeTargetGroupsCommand', {
    LoadBalancerArn: loadBalancerArn,
  })) as { TargetGroups?: { TargetGroupArn?: string }[] };
  const arns = (groups.TargetGroups ?? []).flatMap((g) => (g.TargetGroupArn ? [g.TargetGroupArn] : []));
  const from = Math.floor(startMs / 1000) * 1000;
  const seconds = Math.max(1, Math.ceil((endMs - from) / 1000));
  const perSecond = new Array<number>(seconds).fill(0);
  if (arns.length === 0) return { startMs: from, perSecond };
  const output = (await send(url, 'cloudwatch', 'GetMetricDataCommand', {
    StartTime: new Date(from).toISOString(),
    EndTime: new Date(from + seconds * 1000).toISOString(),
    ScanBy: 'TimestampAscending',
    MetricDataQueries: arns.map((arn, i) => ({
      Id: `tg${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/NetworkELB',
          MetricName: 'NewFlowCount',
          Dimensions: [
            { Name: 'LoadBalancer', Value: dimensionOf(loadBalancerArn) },
            { Name: 'TargetGroup', Value: dimensionOf(arn) },
          ],
        },
        Period: 1,
        Stat: 'Sum',
      },
    })),
  })) as { MetricDataResults?: { Timestamps?: number[]; Values?: number[] }[] };
  for (const result of output.MetricDataResults ?? []) {
    const values = result.Values ?? [];
    (result.Timestamps ?? []).forEach((at, i) => {
      const index = Math.round((at - from) / 1000);
      if (index >= 0 && index < seconds) perSecond[index] = (perSecond[index] ?? 0) + (values[i] ?? 0);
    });
  }
  return { startMs: from, perSecond };
}

/** The simulator's ready-made deployment input (its service, load balancer...), which the CLI starts from. */
export async function worldInput(url: string): Promise<Record<string, unknown>> {
  const info = (await (await fetch(`${url}/world`)).json()) as { input?: Record<string, unknown> };
  return info.input ?? {};
}
