import { ConfigProblem, formatProblem } from '../engine/config-loader';
import { fence, inlineCode } from './private/markdown';

/** The job summary of a run that stopped at the config: every problem, with its place in the file. */
export function renderConfigErrors(config: string, problems: readonly ConfigProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return `## session-manager-role: ${inlineCode(config)} is not valid\n\n${count}; no Terraform was run.\n\n${fence(problems.map(formatProblem).join('\n'))}\n`;
}
