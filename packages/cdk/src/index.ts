export type { EcsTaperControllerProps } from './controller-props';
export { EcsTaperController } from './ecs-taper-controller';
export { ControllerPropsError, type PropProblem } from './validate-props';
