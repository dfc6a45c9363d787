/** What the output stream can do: live redraws need a TTY; colour as `colorEnabled` decides. */
export interface Terminal {
  isTTY: boolean;
  color: boolean;
  /** The width now: a terminal's follows a resize. */
  readonly columns: number;
  write(text: string): void;
  /** Calls `listener` when the terminal is resized (a TTY only); returns a function that stops it. */
  onResize?(listener: () => void): () => void;
}

/** The global colour flags, taken out of the arguments before the command parses them. */
export const colorFlags = { '--no-color': false, '--color': true } as const;

/** `argv` without --no-color and --color (the last one given wins), and what they asked for. */
export function takeColorFlags(argv: readonly string[]): { argv: string[]; color: boolean | undefined } {
  let color: boolean | undefined;
  const rest: string[] = [];
  for (const [i, arg] of argv.entries()) {
    // After `--` nothing is a flag of ours.
    if (arg === '--') return { argv: [...rest, ...argv.slice(i)], color };
    if (Object.hasOwn(colorFlags, arg)) color = colorFlags[arg as keyof typeof colorFlags];
    else rest.push(arg);
  }
  return { argv: rest, color };
}

/**
 * Whether to colour, in this order: --no-color / --color; FORCE_COLOR (as Node reads it, it overrides
 * NO_COLOR: 0 or false turns colour off, any other value on, even into a pipe); NO_COLOR
 * (https://no-color.org: any non-empty value turns it off); else a TTY whose TERM is not dumb.
 */
export function colorEnabled(isTTY: boolean, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return isTTY && env.TERM !== 'dumb';
}

export function terminalFor(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
  colorFlag?: boolean,
): Terminal {
  const isTTY = stream.isTTY === true;
  return {
    isTTY,
    color: colorEnabled(isTTY, env, colorFlag),
    get columns() {
      return isTTY && stream.columns ? stream.columns : 100;
    },
    write: (text) => {
      stream.write(text);
    },
    // Node emits 'resize' on a TTY stream when the terminal sends SIGWINCH.
    onResize: (listener) => {
      if (!isTTY) return () => {};
      stream.on('resize', listener);
      return () => stream.off('resize', listener);
    },
  };
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export type Style = keyof typeof codes;

/** Colours `text` when the terminal allows it; returns it unchanged otherwise. */
export function paint(term: Pick<Terminal, 'color'>, style: Style, text: string): string {
  if (!term.color) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** SGR escape sequences (colour, bold), built from the code so no control character sits in a literal. */
const sgr = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The text without colour codes: what the terminal shows, for widths. */
export function visibleText(text: string): string {
  return text.replace(sgr, '');
}

/** m:ss (or h:mm:ss) for a duration in seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The last part of an ARN, readable in a terminal: `targetgroup/blue/abc` -> `blue`. */
export function shortArn(arn: string | undefined): string {
  if (!arn) return '-';
  const resource = arn.split(':').slice(5).join(':') || arn;
  if (resource.startsWith('targetgroup/')) return resource.split('/')[1] ?? resource;
  if (resource.startsWith('task-definition/')) return resource.slice('task-definition/'.length);
  if (resource.startsWith('task-set/')) return resource.split('/').slice(3).join('/');
  if (resource.startsWith('listener/')) return resource.split('/').at(-1) ?? resource;
  return resource;
}
