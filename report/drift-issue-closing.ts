import { MatrixResult } from '../engine/result';
import { DriftIssueContext, DriftScope } from './drift-issue';
import { escapeText, inlineCode } from './private/markdown';

/**
 * Comments that close a drift issue for another reason than "no drift": its account left the config, or the
 * `drift-issue` mode changed and other issues track the drift now. Neither says the drift is gone.
 */

/** The comment that closes the issue of an account no longer in the config. */
export function renderAccountRemoved(result: MatrixResult, scope: DriftScope, context: DriftIssueContext): string {
  return (
    `${checkOf(result, scope, context)} no longer finds account ${escapeText(scope.accountId ?? '')} in the config: closing, as not planned. ` +
    'The account is no longer checked; taking it out of the config left its role as it was, with whatever drift this issue reports.\n'
  );
}

/** What tracks the drift of a config after a switch of `drift-issue` mode. */
export type ModeSwitch =
  /** One issue for the whole config; `open` when it is open now (it is opened by the first check that finds drift). */
  | { readonly to: 'per-config'; readonly open: boolean; readonly label: string }
  /** One issue per account; `open` of them are open now. */
  | { readonly to: 'per-account'; readonly open: number; readonly label: string };

/** The comment that closes an issue left from the other `drift-issue` mode. */
export function renderModeSwitched(result: MatrixResult, scope: DriftScope, context: DriftIssueContext, mode: ModeSwitch): string {
  const label = inlineCode(mode.label);
  const tracking =
    mode.to === 'per-config'
      ? mode.open
        ? `drift in any account of ${inlineCode(scope.config)} is tracked in one issue for the whole config, open now (label ${label}).`
        : `drift in any account of ${inlineCode(scope.config)} is tracked in one issue for the whole config (label ${label}), opened when a check finds drift; this check found none in this account.`
      : `drift in each account of ${inlineCode(scope.config)} is tracked in an issue of its own (label ${label}); ${mode.open} ${mode.open === 1 ? 'is' : 'are'} open now.`;
  return `${checkOf(result, scope, context)} runs with ${inlineCode(`drift-issue: ${mode.to}`)}: ${tracking} Closing this one, as not planned: it is no longer updated.\n`;
}

function checkOf(result: MatrixResult, scope: DriftScope, context: DriftIssueContext): string {
  const check = context.runUrl ? `[The scheduled check](${context.runUrl})` : 'The scheduled check';
  return `${check} of ${inlineCode(scope.config)} on ${escapeText(context.checkedAt)} (run ${escapeText(result.run.id)})`;
}
