import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One JSON object per line with top-level fields (deploymentId, phase, executionArn, the request id,
 * cold start), written to stdout directly: with the function's LogFormat JSON, the runtime keeps such a
 * line as it is instead of nesting it as a string. The level follows the function's ApplicationLogLevel
 * (AWS_LAMBDA_LOG_LEVEL), or POWERTOOLS_LOG_LEVEL.
 */
export const logger = new Logger({ serviceName: 'ecs-taper' });
