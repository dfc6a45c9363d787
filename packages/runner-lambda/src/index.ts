export const packageName = '@ecs-taper/runner-lambda';
