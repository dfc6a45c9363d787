/** What the output stream can do: live redraws need a TTY, colour needs a TTY and no NO_COLOR. */
export interface Terminal {
  isTTY: boolean;
  color: boolean;
  columns: number;
  write(text: string): void;
}

export function terminalFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Terminal {
  const isTTY = stream.isTTY === true;
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  const color = isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
  return {
    isTTY,
    color,
    columns: isTTY && stream.columns ? stream.columns : 100,
    write: (text) => {
      stream.write(text);
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
