/** The command's exit codes, documented in the README and in `ecs-taper --help`. */
export const ExitCode = {
  /** The command did what was asked (deployment succeeded, rollback done, plan printed...). */
  ok: 0,
  /** The deployment failed or was rolled back, or AWS refused (lock held, unsafe topology, API error). */
  failed: 1,
  /** Bad input: unknown flag, missing or invalid field. Nothing was changed. */
  badInput: 2,
  /**
   * Stopped by Ctrl-C between two AWS calls; running the same command again resumes. With
   * `deploy --state-machine` only the waiting stopped: the same command watches the execution again.
   */
  interrupted: 130,
} as const;

/**
 * A problem with the command line or the input file, found before anything changed (exit 2).
 * `field` is the input field (or flag) at fault, so the message can name both.
 */
export class UsageError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'UsageError';
    this.field = field;
  }
}
