import { ServiceNotFoundException } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  AwsCallError,
  awsErrorInfo,
  DeploymentLockedError,
  EcsTaperError,
  InputValidationError,
  TopologyError,
} from '../../src/errors';

describe('error classes', () => {
  it('InputValidationError names the field in its message and in `field`', () => {
    const error = new InputValidationError('subnets', 'is required');
    expect(error).toBeInstanceOf(EcsTaperError);
    expect(error.name).toBe('InputValidationError');
    expect(error.field).toBe('subnets');
    expect(error.message).toBe('subnets: is required');
  });

  it('DeploymentLockedError carries the running deployment id', () => {
    const error = new DeploymentLockedError('taper-a', 'held by taper-a');
    expect(error.runningDeploymentId).toBe('taper-a');
    expect(error.name).toBe('DeploymentLockedError');
  });

  it('TopologyError keeps its cause', () => {
    const cause = new Error('inner');
    expect(new TopologyError('bad', { cause }).cause).toBe(cause);
  });

  it('AwsCallError keeps the AWS name, message, request id and status, with our context first', () => {
    const original = new ServiceNotFoundException({
      message: 'Service not found.',
      $metadata: { httpStatusCode: 400, requestId: 'abc-123' },
    });
    const error = new AwsCallError('service web not found in cluster demo', original);
    expect(error.message).toBe(
      'service web not found in cluster demo: Service not found. (ServiceNotFoundException)',
    );
    expect(error.awsErrorName).toBe('ServiceNotFoundException');
    expect(error.requestId).toBe('abc-123');
    expect(error.httpStatusCode).toBe(400);
    expect(error.cause).toBe(original);
    expect(error).toBeInstanceOf(EcsTaperError);
  });
});

describe('awsErrorInfo', () => {
  it('reads anything thrown without trusting its shape', () => {
    expect(awsErrorInfo('text')).toEqual({
      name: 'UnknownError',
      message: 'text',
      requestId: undefined,
      httpStatusCode: undefined,
      retryable: false,
    });
    expect(awsErrorInfo(new RangeError('r')).name).toBe('RangeError');
  });
});
