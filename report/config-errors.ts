import { ConfigProblem, formatProblem, problemCount } from '../engine/config-loader';
import { fence, inlineCode } from './private/markdown';

/** The job summary of a run that stopped at the config: every problem, with its place in the file. */
export function renderConfigErrors(config: string, problems: readonly ConfigProblem[]): string {
  return `## session-manager-role: ${inlineCode(config)} is not valid\n\n${problemCount(problems)}; no Terraform was run.\n\n${fence(problems.map(formatProblem).join('\n'))}\n`;
}
