export const packageName = '@ecs-taper/simulator';
