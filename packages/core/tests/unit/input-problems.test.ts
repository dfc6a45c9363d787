/**
 * Input validation reports every problem at once (InputValidationError.problems, the first one kept as
 * `field` and the message's first line), reads number text in decimal only (numberFromText, the CLI's
 * rule), refuses quoted numbers in JSON, and overrides a schedule mode instead of combining two.
 */
import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../src/errors';
import { decimalNumber, numberFromText, overrideInput, parseDeploymentInput } from '../../src/validate-input';

const valid = { cluster: 'c', service: 's', taskDefinition: 't:1', loadBalancerArn: 'arn:nlb' };

function rejection(input: unknown): InputValidationError {
  try {
    parseDeploymentInput(input);
  } catch (error) {
    if (error instanceof InputValidationError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('every problem at once', () => {
  it('collects field, rule and schedule problems; the first is the field and the first line', () => {
    const error = rejection({
      cluster: 'c',
      taskDefinition: 't:1',
      loadBalancer: 'arn:nlb',
      settleSeconds: -1,
      launchType: 'FARGAT',
      decrementPercent: 0,
      reconnectSpreadSeconds: 4000,
      connectionsPerTask: 10,
    });
    const fields = error.problems.map((problem) => problem.field);
    expect(fields).toEqual([
      'loadBalancer',
      'service',
      'launchType',
      'settleSeconds',
      'loadBalancerArn',
      'decrementPercent',
      'reconnectSpreadSeconds',
    ]);
    expect(error.field).toBe('loadBalancer');
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(fields.length);
    expect(lines[0]).toMatch(/^loadBalancer: is not a known input field \(did you mean loadBalancerArn\?\)/);
    expect(lines[2]).toBe(
      'launchType: must be FARGATE, EC2 or EXTERNAL, got "FARGAT" (did you mean FARGATE?)',
    );
  });

  it('one problem: the message is exactly as before', () => {
    const error = rejection({ ...valid, settleSeconds: 4000 });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toBe(
      'settleSeconds: must be a number >= 0 and <= 3600, got 4000; a wait of at most an hour (3600 s); use e.g. 60',
    );
  });

  it("says nothing more about a field that failed (a bad hooks leaves the steps' check out)", () => {
    const error = rejection({
      ...valid,
      hooks: { 'before-swap': {} },
      steps: [{ type: 'hook', stage: 'before-swap' }],
    });
    expect(error.problems.map((problem) => problem.field.split(/[.[]/)[0])).toEqual(['hooks']);
  });

  it('maps every problem of a seed event to its names', () => {
    const error = rejection({
      cluster: 'c',
      nlb: 'arn:nlb',
      task_sg: 'sg-1',
      subnets: ['subnet-1'],
      serviceName: 'api',
      taskDefinition: 't:1',
      scaledown_decrement: 0,
      scaledown_wait: 4000,
    });
    expect(error.problems.map((problem) => problem.field)).toEqual(['scaledown_decrement', 'scaledown_wait']);
    expect(error.message).toContain("(the seed's scaledown_wait is our intervalSeconds)");
  });

  it('InputValidationError.of needs a problem', () => {
    expect(() => InputValidationError.of([])).toThrow(RangeError);
  });
});

describe('numbers', () => {
  it.each(['0x10', '1e3', '', ' ', 'Infinity', 'NaN', '12abc', '1.2.3', '--1'])(
    '%j is no decimal number',
    (text) => {
      expect(decimalNumber(text, false)).toBeUndefined();
    },
  );

  it('reads decimal digits, a fraction only where the field allows one', () => {
    expect(decimalNumber(' 12 ', true)).toBe(12);
    expect(decimalNumber('-3', true)).toBe(-3);
    expect(decimalNumber('2.5', true)).toBeUndefined();
    expect(decimalNumber('2.5', false)).toBe(2.5);
    expect(decimalNumber('.5', false)).toBe(0.5);
    expect(numberFromText('intervalSeconds', '90')).toBe(90);
    expect(() => numberFromText('desiredCount', '2.5')).toThrow(
      'desiredCount: must be an integer >= 1 and <= 5000, written in decimal digits, got "2.5"',
    );
    expect(() => numberFromText('intervalSeconds', '0x10')).toThrow(
      'intervalSeconds: must be a number >= 0 and <= 3600, written in decimal (like 90 or 2.5), got "0x10"',
    );
  });

  it('a JSON string is no number, also "10" (the fix says so); a JSON number passes the same range as a flag', () => {
    expect(rejection({ ...valid, desiredCount: '10' }).message).toBe(
      'desiredCount: must be an integer >= 1 and <= 5000, got the string "10"; write 10 without the quotes (a JSON number)',
    );
    expect(rejection({ ...valid, intervalSeconds: '60' }).message).toContain(
      'got the string "60"; write 60 without the quotes',
    );
    expect(parseDeploymentInput({ ...valid, desiredCount: 1e3 }).desiredCount).toBe(1000);
  });
});

describe('overrideInput: a schedule mode replaces the one under it', () => {
  const file = {
    ...valid,
    decrementPercent: 25,
    intervalSeconds: 60,
    connectionsPerTask: 500,
    reconnectSpreadSeconds: 10,
  };

  // The last column: whether the two, merged field by field, would contradict (what this replaces).
  it.each([
    [{ terminationWindowSeconds: 180 }, { terminationWindowSeconds: 180 }, true],
    [{ maxNewConnectionsPerSecond: 200 }, { maxNewConnectionsPerSecond: 200 }, true],
    [{ decrementTasks: 2 }, { decrementTasks: 2, intervalSeconds: 60 }, true],
    [{ intervalSeconds: 30 }, { decrementPercent: 25, intervalSeconds: 30 }, false],
  ])('%j', (flags, schedule, contradicts) => {
    const merged = overrideInput(file, flags);
    expect(merged).toEqual({ ...valid, connectionsPerTask: 500, reconnectSpreadSeconds: 10, ...schedule });
    expect(() => parseDeploymentInput(merged)).not.toThrow();
    const naive = () => parseDeploymentInput({ ...file, ...flags });
    if (contradicts) expect(naive).toThrow(InputValidationError);
    else expect(naive).not.toThrow();
  });

  it('drops every budget field, the drop-lag slack and measureFlows too, under a window', () => {
    const budget = {
      ...valid,
      connectionsPerTask: 500,
      reconnectSpreadSeconds: 10,
      maxNewConnectionsPerSecond: 100,
      dropLagSpreadSeconds: 3,
      measureFlows: true,
    };
    const merged = overrideInput(budget, { terminationWindowSeconds: 180 });
    expect(merged).toEqual({
      ...valid,
      connectionsPerTask: 500,
      reconnectSpreadSeconds: 10,
      terminationWindowSeconds: 180,
    });
    expect(() => parseDeploymentInput(merged)).not.toThrow();
    expect(() => parseDeploymentInput({ ...budget, terminationWindowSeconds: 180 })).toThrow(
      InputValidationError,
    );
  });

  it('keeps the budget fields under a budget, and everything without schedule overrides', () => {
    const budget = {
      ...file,
      decrementPercent: undefined,
      intervalSeconds: undefined,
      maxNewConnectionsPerSecond: 100,
      budgetConfidence: 0.1,
    };
    expect(overrideInput(budget, { maxNewConnectionsPerSecond: 200 })).toMatchObject({
      budgetConfidence: 0.1,
      maxNewConnectionsPerSecond: 200,
    });
    expect(overrideInput(file, { cluster: 'other' })).toEqual({ ...file, cluster: 'other' });
  });

  it('contradicting overrides keep none of the base schedule, and are refused as given', () => {
    const merged = overrideInput(file, { terminationWindowSeconds: 180, decrementTasks: 2 });
    expect(merged).not.toHaveProperty('decrementPercent');
    expect(merged).not.toHaveProperty('intervalSeconds');
    expect(rejection(merged).message).toContain(
      'terminationWindowSeconds: cannot be combined with decrementTasks',
    );
  });
});
