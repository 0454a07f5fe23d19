import { styleText } from 'node:util';
import { NO_PAINT, Paint } from '../report/text-table';

/** Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function painter(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, disabled: boolean): Paint {
  const useColour = stream.isTTY === true && !disabled && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  // The decision is made here, for the stream the text goes to; styleText would judge process.stdout instead.
  return useColour ? (style, text) => styleText(style, text, { validateStream: false }) : NO_PAINT;
}
