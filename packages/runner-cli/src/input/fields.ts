/**
 * Core's input-field table, the one source of the CLI's input flags and their help.
 * TODO(lead): import from the package once core exports these (e.g. from `@ecs-taper/core/workflow`);
 * until then the CLI, which bundles core from source anyway, reads the table's module directly.
 */
export {
  type CliFlag,
  type FieldSpec,
  type InputFieldName,
  inputFieldEntries,
  inputFields,
} from '../../../core/src/input-fields';
