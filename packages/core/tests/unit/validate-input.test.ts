import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../src/errors';
import { inputDefaults } from '../../src/input';
import { fromSeedEvent, isSeedEvent, parseDeploymentInput } from '../../src/validate-input';

const valid = {
  cluster: 'demo',
  service: 'web',
  taskDefinition: 'web:2',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/demo/abc',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-task'],
};

/** The InputValidationError that parsing `input` throws. */
function rejection(input: unknown): InputValidationError {
  try {
    parseDeploymentInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputValidationError);
    return error as InputValidationError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

function without(field: keyof typeof valid): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = valid;
  return rest;
}

describe('parseDeploymentInput', () => {
  it('accepts the minimal input and applies every default', () => {
    const resolved = parseDeploymentInput(valid);
    expect(resolved).toEqual({ ...valid, ...inputDefaults, alarmNames: [] });
    expect(resolved.decrementPercent).toBeUndefined();
    expect(resolved.launchType).toBeUndefined();
  });

  it('trims strings and keeps the optional fields it was given', () => {
    const resolved = parseDeploymentInput({
      ...valid,
      cluster: ' demo ',
      containerName: 'app',
      containerPort: 9000,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }],
      platformVersion: '1.4.0',
      decrementTasks: 2,
      alarmNames: ['errors'],
      deploymentId: 'my_deploy-1',
      assignPublicIp: true,
    });
    expect(resolved).toMatchObject({
      cluster: 'demo',
      containerName: 'app',
      containerPort: 9000,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }],
      platformVersion: '1.4.0',
      decrementTasks: 2,
      alarmNames: ['errors'],
      deploymentId: 'my_deploy-1',
      assignPublicIp: true,
    });
  });

  it('accepts explicit production listeners instead of the NLB', () => {
    const { loadBalancerArn: _nlb, ...rest } = valid;
    const resolved = parseDeploymentInput({
      ...rest,
      productionListenerArns: ['arn:l1'],
      testListenerArn: 'arn:t',
    });
    expect(resolved.productionListenerArns).toEqual(['arn:l1']);
    expect(resolved.loadBalancerArn).toBeUndefined();
  });

  it('leaves subnets, securityGroups and assignPublicIp out when not given: the old task set’s are kept', () => {
    const { subnets: _s, securityGroups: _g, ...rest } = valid;
    const resolved = parseDeploymentInput(rest);
    expect(resolved).not.toHaveProperty('subnets');
    expect(resolved).not.toHaveProperty('securityGroups');
    // No default here: false would override an old set that has a public IP (create-task-set decides).
    expect(resolved).not.toHaveProperty('assignPublicIp');
    expect(parseDeploymentInput({ ...valid, assignPublicIp: false }).assignPublicIp).toBe(false);
  });

  it('creates no service unless asked: createService is absent by default, kept when given', () => {
    expect(parseDeploymentInput(valid)).not.toHaveProperty('createService');
    expect(parseDeploymentInput({ ...valid, createService: true }).createService).toBe(true);
    expect(parseDeploymentInput({ ...valid, createService: false }).createService).toBe(false);
    const error = rejection({ ...valid, createService: 1 });
    expect(error.field).toBe('createService');
    expect(error.message).toBe('createService: must be true or false, got 1');
  });

  it.each([
    ['subnets', 'subnet ids'],
    ['securityGroups', 'security group ids'],
  ])('rejects an empty %s list, saying it may be left out instead', (field, what) => {
    const error = rejection({ ...valid, [field]: [] });
    expect(error.field).toBe(field);
    expect(error.message).toBe(
      `${field}: must be a non-empty list of strings; pass the ${what} for the tasks, or leave it out to keep the old task set's`,
    );
  });

  it.each(['cluster', 'service', 'taskDefinition'] as const)('rejects a missing %s, naming it', (field) => {
    const error = rejection(without(field));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field}: is required`));
  });

  it('rejects an input with neither loadBalancerArn nor productionListenerArns', () => {
    const error = rejection(without('loadBalancerArn'));
    expect(error.field).toBe('loadBalancerArn');
    expect(error.message).toContain('productionListenerArns');
  });

  it.each([
    ['an empty cluster', { cluster: '  ' }, 'cluster'],
    ['an empty subnet list', { subnets: [] }, 'subnets'],
    ['a blank subnet', { subnets: ['subnet-a', ''] }, 'subnets[1]'],
    ['a non-string security group', { securityGroups: [42] }, 'securityGroups[0]'],
    ['decrementPercent 0', { decrementPercent: 0 }, 'decrementPercent'],
    ['decrementPercent above 100', { decrementPercent: 100.5 }, 'decrementPercent'],
    ['decrementPercent NaN', { decrementPercent: Number.NaN }, 'decrementPercent'],
    ['decrementPercent as a string', { decrementPercent: '25' }, 'decrementPercent'],
    ['decrementPercent negative', { decrementPercent: -5 }, 'decrementPercent'],
    ['decrementTasks 0', { decrementTasks: 0 }, 'decrementTasks'],
    ['decrementTasks not an integer', { decrementTasks: 1.5 }, 'decrementTasks'],
    ['both decrement forms', { decrementPercent: 25, decrementTasks: 1 }, 'decrementTasks'],
    ['desiredCount 0', { desiredCount: 0 }, 'desiredCount'],
    ['a fractional desiredCount', { desiredCount: 2.5 }, 'desiredCount'],
    ['containerPort 0', { containerPort: 0 }, 'containerPort'],
    ['containerPort 70000', { containerPort: 70000 }, 'containerPort'],
    ['testListenerPort not an integer', { testListenerPort: 80.5 }, 'testListenerPort'],
    ['readyTimeoutSeconds 0', { readyTimeoutSeconds: 0 }, 'readyTimeoutSeconds'],
    ['pollIntervalSeconds 0', { pollIntervalSeconds: 0 }, 'pollIntervalSeconds'],
    ['negative settleSeconds', { settleSeconds: -1 }, 'settleSeconds'],
    ['Infinity intervalSeconds', { intervalSeconds: Number.POSITIVE_INFINITY }, 'intervalSeconds'],
    ['drainTimeoutSeconds 0', { drainTimeoutSeconds: 0 }, 'drainTimeoutSeconds'],
    ['assignPublicIp as a string', { assignPublicIp: 'yes' }, 'assignPublicIp'],
    ['createService as a string', { createService: 'true' }, 'createService'],
    ['an unknown launch type', { launchType: 'LAMBDA' }, 'launchType'],
    [
      'a launch type with a capacity provider strategy',
      { launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] },
      'capacityProviderStrategy',
    ],
    ['an empty capacity provider strategy', { capacityProviderStrategy: [] }, 'capacityProviderStrategy'],
    [
      'a capacity provider without a name',
      { capacityProviderStrategy: [{ weight: 1 }] },
      'capacityProviderStrategy[0].capacityProvider',
    ],
    [
      'a capacity provider weight out of range',
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1001 }] },
      'capacityProviderStrategy[0].weight',
    ],
    ['a deploymentId with a space', { deploymentId: 'my deploy' }, 'deploymentId'],
    ['a deploymentId longer than 36', { deploymentId: 'x'.repeat(37) }, 'deploymentId'],
    ['a deploymentId with a dot', { deploymentId: 'v1.2' }, 'deploymentId'],
    ['an empty deploymentId', { deploymentId: '' }, 'deploymentId'],
    ['an unknown field', { clusterName: 'demo' }, 'clusterName'],
    ['a misspelt field', { decrementPercents: 25 }, 'decrementPercents'],
    ['an empty alarm name', { alarmNames: [''] }, 'alarmNames[0]'],
  ])('rejects %s, naming the field', (_label, overrides, field) => {
    const error = rejection({ ...valid, ...overrides });
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('says the allowed range and what it got for a number out of range', () => {
    const error = rejection({ ...valid, decrementPercent: 0 });
    expect(error.message).toBe(
      'decrementPercent: must be a number in (0, 100], got 0; use e.g. 25 to remove a quarter of the tasks per step',
    );
  });

  it('lists the known fields when it meets an unknown one', () => {
    expect(rejection({ ...valid, nlbArn: 'x' }).message).toContain('known fields: cluster, service');
  });

  it('tells the user to pick one decrement form', () => {
    expect(rejection({ ...valid, decrementPercent: 25, decrementTasks: 1 }).message).toContain(
      'decrementPercent',
    );
  });

  it.each([
    ['decrementPercent 100', { decrementPercent: 100 }],
    ['a fractional decrementPercent', { decrementPercent: 12.5 }],
    ['a 36-character deploymentId', { deploymentId: 'a'.repeat(36) }],
    ['intervalSeconds 0', { intervalSeconds: 0 }],
    ['settleSeconds 0', { settleSeconds: 0 }],
  ])('accepts %s', (_label, overrides) => {
    expect(() => parseDeploymentInput({ ...valid, ...overrides })).not.toThrow();
  });

  it.each([null, 'text', 42, ['cluster']])('rejects %j as a whole, naming `input`', (input) => {
    expect(rejection(input).field).toBe('input');
  });
});

describe('parseDeploymentInput: every time and count field is bounded', () => {
  /** Fields with their largest allowed value and the range the message names. */
  const bounded = [
    ['intervalSeconds', 3600, '>= 0 and <= 3600'],
    ['settleSeconds', 3600, '>= 0 and <= 3600'],
    ['pollIntervalSeconds', 3600, '> 0 and <= 3600'],
    ['reconnectSpreadSeconds', 3600, '> 0 and <= 3600'],
    ['readyTimeoutSeconds', 86_400, '> 0 and <= 86400'],
    ['drainTimeoutSeconds', 86_400, '> 0 and <= 86400'],
    ['desiredCount', 5000, '>= 1 and <= 5000'],
    ['connectionsPerTask', 10_000_000, '> 0 and <= 10000000'],
    ['maxNewConnectionsPerSecond', 1e9, '> 0 and <= 1000000000'],
    ['decrementTasks', 1_000_000, '>= 1 and <= 1000000'],
  ] as const;
  /** The reconnection model fields need each other; budget mode needs a budget one task can meet. */
  const context: Record<string, Record<string, number>> = {
    intervalSeconds: {},
    reconnectSpreadSeconds: { connectionsPerTask: 1 },
    connectionsPerTask: { reconnectSpreadSeconds: 3600 },
    maxNewConnectionsPerSecond: { connectionsPerTask: 1, reconnectSpreadSeconds: 1 },
  };
  const withField = (field: string, value: number) => ({ ...valid, ...context[field], [field]: value });

  it.each(bounded)('accepts %s at its bound %d', (field, max) => {
    expect(parseDeploymentInput(withField(field, max))).toMatchObject({ [field]: max });
  });

  it.each(
    bounded.flatMap(([field, max, range]) =>
      [
        max + 1,
        max + 0.5,
        3e6,
        1e308,
        Number.MAX_VALUE,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.NaN,
      ]
        .filter((value) => !(value === 3e6 && max >= 3e6))
        .map((value) => [field, value, range] as const),
    ),
  )('rejects %s %d, naming the field and the range', (field, value, range) => {
    const error = rejection(withField(field, value));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field}: must be `));
    expect(error.message).toContain(`got ${value}`);
    if (Number.isFinite(value) && value > 0) expect(error.message).toContain(range);
  });

  it.each([
    ['intervalSeconds', 3601],
    ['settleSeconds', 3601],
    ['pollIntervalSeconds', 3601],
    ['reconnectSpreadSeconds', 3601],
    ['readyTimeoutSeconds', 86_401],
    ['drainTimeoutSeconds', 86_401],
  ])('says what to do for %s %d: the range in seconds and an example', (field, value) => {
    const message = rejection(withField(field, value)).message;
    expect(message).toMatch(/<= (3600|86400)/);
    expect(message).toMatch(/e\.g\. \d+/);
  });

  it("names ECS's tasks-per-service quota for a desiredCount above 5000", () => {
    expect(rejection({ ...valid, desiredCount: 3e6 }).message).toBe(
      'desiredCount: must be an integer >= 1 and <= 5000, got 3000000; ECS runs at most 5000 tasks per service (its tasks-per-service quota); pass the count the new service starts with, e.g. 2',
    );
    expect(rejection({ ...valid, desiredCount: 5001 }).message).toContain('tasks-per-service quota');
  });

  it('names a 1e308 interval with its range and the fix', () => {
    expect(rejection({ ...valid, intervalSeconds: 1e308 }).message).toBe(
      'intervalSeconds: must be a finite number >= 0 and <= 3600 (1 h), got 1e+308; use e.g. 60 for one step a minute',
    );
  });

  it('accepts the smallest allowed values too', () => {
    expect(() =>
      parseDeploymentInput({
        ...valid,
        intervalSeconds: 0,
        settleSeconds: 0,
        pollIntervalSeconds: 0.001,
        readyTimeoutSeconds: 0.001,
        drainTimeoutSeconds: 0.001,
        desiredCount: 1,
        decrementTasks: 1,
      }),
    ).not.toThrow();
  });

  it("reports a seed event's scaledown_wait and waitForService above an hour in the seed's terms", () => {
    const seed = {
      cluster: 'demo',
      nlb: valid.loadBalancerArn,
      task_sg: 'sg-1',
      subnets: ['subnet-a'],
      serviceName: 'web',
      taskDefinition: 'web:2',
    };
    const wait = rejection({ ...seed, scaledown_wait: 3601 });
    expect(wait.field).toBe('scaledown_wait');
    expect(wait.message).toContain('<= 3600');
    expect(wait.message).toContain("the seed's scaledown_wait is our intervalSeconds");
    const poll = rejection({ ...seed, waitForService: 1e308 });
    expect(poll.field).toBe('waitForService');
    expect(poll.message).toContain('<= 3600');
    expect(() => parseDeploymentInput({ ...seed, scaledown_wait: 3600, waitForService: 3600 })).not.toThrow();
  });
});

describe("the seed's event JSON", () => {
  const seedEvent = {
    cluster: 'demo-cluster',
    nlb: 'arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/demo/abc',
    task_sg: 'sg-0123',
    subnets: ['subnet-a', 'subnet-b'],
    serviceName: 'demo-service',
    taskDefinition: 'arn:aws:ecs:eu-west-1:000000000000:task-definition/demo:7',
    waitForService: 60,
    scaledown_decrement: 25,
    scaledown_wait: 60,
  };

  it('is recognised by its seed-only fields', () => {
    expect(isSeedEvent(seedEvent)).toBe(true);
    expect(isSeedEvent(valid)).toBe(false);
  });

  it('parses unchanged into our fields', () => {
    const resolved = parseDeploymentInput(seedEvent);
    expect(resolved).toMatchObject({
      cluster: 'demo-cluster',
      loadBalancerArn: seedEvent.nlb,
      securityGroups: ['sg-0123'],
      subnets: ['subnet-a', 'subnet-b'],
      service: 'demo-service',
      taskDefinition: seedEvent.taskDefinition,
      pollIntervalSeconds: 60,
      decrementPercent: 25,
      intervalSeconds: 60,
    });
    // waitForService is never a fixed sleep before the swap: readiness keeps its own deadline.
    expect(resolved.readyTimeoutSeconds).toBe(inputDefaults.readyTimeoutSeconds);
  });

  it('survives a JSON round trip (as a Lambda receives it)', () => {
    expect(parseDeploymentInput(JSON.parse(JSON.stringify(seedEvent))).service).toBe('demo-service');
  });

  it('accepts task_sg as a list', () => {
    expect(parseDeploymentInput({ ...seedEvent, task_sg: ['sg-1', 'sg-2'] }).securityGroups).toEqual([
      'sg-1',
      'sg-2',
    ]);
  });

  it('maps only the seed fields it finds', () => {
    // createService is the seed's default (its sample created the service), not a field it found.
    expect(fromSeedEvent({ serviceName: 's', extra: 1 })).toEqual({
      service: 's',
      extra: 1,
      createService: true,
    });
  });

  it('defaults createService to true: the seed created its service', () => {
    expect(parseDeploymentInput(seedEvent).createService).toBe(true);
    expect(parseDeploymentInput(JSON.parse(JSON.stringify(seedEvent))).createService).toBe(true);
  });

  it('keeps an explicit createService false in a seed event, and validates it', () => {
    expect(fromSeedEvent({ serviceName: 's', createService: false })).toEqual({
      service: 's',
      createService: false,
    });
    expect(parseDeploymentInput({ ...seedEvent, createService: false }).createService).toBe(false);
    const error = rejection({ ...seedEvent, createService: 'no' });
    expect(error.field).toBe('createService');
    expect(error.message).toBe('createService: must be true or false, got "no"');
  });

  it.each([
    ['scaledown_decrement 0', { scaledown_decrement: 0 }, 'scaledown_decrement', 'decrementPercent'],
    ['scaledown_decrement 101', { scaledown_decrement: 101 }, 'scaledown_decrement', 'decrementPercent'],
    ['scaledown_wait negative', { scaledown_wait: -1 }, 'scaledown_wait', 'intervalSeconds'],
    ['waitForService 0', { waitForService: 0 }, 'waitForService', 'pollIntervalSeconds'],
    ['an empty task_sg', { task_sg: '' }, 'task_sg[0]', 'securityGroups'],
    ['a missing serviceName', { serviceName: undefined }, 'serviceName', 'service'],
    ['a missing nlb', { nlb: undefined }, 'nlb', 'loadBalancerArn'],
  ])('names the seed field the user wrote for %s', (_label, overrides, field, ours) => {
    const error = rejection({ ...seedEvent, ...overrides });
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(ours);
  });

  it('accepts a seed event without task_sg: the old task set’s security groups are kept', () => {
    const { task_sg: _sg, ...rest } = seedEvent;
    expect(parseDeploymentInput(rest)).not.toHaveProperty('securityGroups');
  });

  it('still names our own fields inside a seed event', () => {
    expect(rejection({ ...seedEvent, cluster: '' }).field).toBe('cluster');
    expect(rejection({ ...seedEvent, bogus: 1 }).field).toBe('bogus');
  });
});

describe('parseDeploymentInput: from the field table', () => {
  it('suggests the field a misspelt one meant', () => {
    expect(rejection({ ...valid, decrementPercents: 25 }).message).toMatch(
      /^decrementPercents: is not a known input field \(did you mean decrementPercent\?\); known fields: /,
    );
  });

  it('accepts an empty alarmNames (what a resolved input carries) and resolves it again unchanged', () => {
    const resolved = parseDeploymentInput({ ...valid, alarmNames: [] });
    expect(resolved.alarmNames).toEqual([]);
    expect(parseDeploymentInput(resolved)).toEqual(resolved);
  });

  it('does not share default lists between resolved inputs', () => {
    const first = parseDeploymentInput(valid);
    first.alarmNames.push('x');
    first.steps.push({ type: 'swap' });
    expect(parseDeploymentInput(valid).alarmNames).toEqual([]);
    expect(parseDeploymentInput(valid).steps).toEqual([{ type: 'swap' }, { type: 'scaleDown' }]);
  });

  it.each([
    [{ productionListenerArns: [] }, 'productionListenerArns', /leave it out to discover them/],
    [{ launchType: 'fargate' }, 'launchType', /got "fargate" \(did you mean FARGATE\?\)/],
    [
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', wieght: 1 }] },
      'capacityProviderStrategy[0].wieght',
      /did you mean weight\?/,
    ],
    [{ capacityProviderStrategy: ['FARGATE'] }, 'capacityProviderStrategy[0]', /must be an object/],
  ])('refuses %j, naming %s', (overrides, field, message) => {
    const error = rejection({ ...valid, ...overrides });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
