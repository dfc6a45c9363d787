export const packageName = '@ecs-taper/runner-cli';
