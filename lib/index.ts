export * from './module-input-check';
export * from './module-inputs';
export * from './module-writer';
export * from './registry-tree';
export * from './session-manager-module';
export * from './session-manager-policy';
export * from './session-manager-role';
export { InvalidPropsError } from './private/validate-props';
