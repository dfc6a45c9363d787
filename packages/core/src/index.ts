export const packageName = '@ecs-taper/core';
