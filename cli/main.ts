import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApplyMode } from '../engine/account-run';
import { changedAccounts } from '../engine/changed-since';
import { MatrixConfig } from '../engine/config';
import { ConfigError, formatProblem, loadConfig, problemCount } from '../engine/config-loader';
import { runMatrix } from '../engine/matrix-run';
import { mergeResults } from '../engine/merge';
import { Command, EXIT_CODES, MatrixResult, exitCode } from '../engine/result';
import { readResult, writeResult } from '../engine/result-file';
import { parseReviewRecord, reviewRecord, reviewedFingerprints, serializeReviewRecord } from '../engine/review-record';
import { parseShard } from '../engine/shard';
import { parseDuration } from '../engine/duration';
import { TOOL_VERSION } from '../engine/version';
import { TERRAFORM_LOG_LEVELS, TerraformEnvironmentOptions, TerraformLogLevel, forbiddenPassEnv } from '../engine/terraform-environment';
import { gitHead } from '../engine/git';
import { ProgressLines } from '../report/progress';
import { renderTextReport } from '../report/text-table';
import { CommandSpec, commandHelp, commandSpec, mainHelp } from './commands';
import { runDemo } from './demo';
import { Io } from './io';
import { painter } from './paint';

/** Where the modules of this release are, next to the cli/ folder. */
const BUILT_IN_MODULES = join(__dirname, '..', 'modules');
const DEFAULT_CONFIG = 'session-manager-role.yml';
const DEFAULT_WORK_DIR = '.session-manager-role';
const DEFAULT_DEMO_OUTPUT = 'demo-output';

/** A mistake on the command line: printed with the command's usage, never with a stack trace. */
class UsageError extends Error {}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp(TOOL_VERSION));
    return name === undefined ? EXIT_CODES.failure : EXIT_CODES.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${TOOL_VERSION}\n`);
    return EXIT_CODES.ok;
  }
  const command = commandSpec(name);
  if (!command) {
    io.stderr.write(`Unknown command "${name}".\n\n${mainHelp(TOOL_VERSION)}`);
    return EXIT_CODES.failure;
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: Object.fromEntries(command.options.map((option) => [option.name, { type: option.type, ...(option.short ? { short: option.short } : {}) }])),
      allowPositionals: command.name === 'merge',
      strict: true,
    });
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return EXIT_CODES.ok;
    }
    return await runCommand(command, values as Options, positionals, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.problems.map(formatProblem).join('\n')}\n${problemCount(error.problems)} in the config; nothing was run.\n`);
      return EXIT_CODES.failure;
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr.write(`${(error as Error).message}\n\n${commandHelp(command)}`);
      return EXIT_CODES.failure;
    }
    if (error instanceof Error) {
      io.stderr.write(`session-manager-role ${command.name}: ${error.message}\n`);
      return EXIT_CODES.failure;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  return String((error as { code?: unknown } | undefined)?.code).startsWith('ERR_PARSE_ARGS');
}

type Options = Record<string, string | boolean | undefined>;

const text = (options: Options, name: string) => options[name] as string | undefined;

async function runCommand(command: CommandSpec, options: Options, positionals: string[], io: Io): Promise<number> {
  const paint = painter(io.stdout, io.env, options['no-color'] === true);
  const configPath = text(options, 'config') ?? DEFAULT_CONFIG;
  if (command.name === 'merge') return merge(positionals, options, io, paint);
  if (command.name === 'demo') {
    const colour = options['no-color'] === true ? { ...io, env: { ...io.env, NO_COLOR: '1' } } : io;
    return runDemo({ output: resolve(text(options, 'output') ?? DEFAULT_DEMO_OUTPUT), io: colour, cli: main });
  }

  if (command.name === 'apply') applyModeName(options);
  const config = loadConfig(configPath, { builtInModules: BUILT_IN_MODULES });
  if (command.name === 'validate') {
    io.stdout.write(`${configPath}: valid, ${config.accounts.length} account${config.accounts.length === 1 ? '' : 's'}.\n`);
    return EXIT_CODES.ok;
  }
  const result = await run(command.name, config, configPath, options, io);
  io.stdout.write(renderTextReport(result, paint));
  const jsonPath = text(options, 'json');
  if (jsonPath) writeResult(jsonPath, result);
  const recordPath = text(options, 'review-record');
  if (recordPath) writeReviewRecord(recordPath, result, configPath);
  return exitCode(result);
}

async function run(command: Command, config: MatrixConfig, configPath: string, options: Options, io: Io): Promise<MatrixResult> {
  const parallelism = text(options, 'parallelism');
  if (parallelism !== undefined && !/^[1-9]\d*$/.test(parallelism)) throw new UsageError(`--parallelism must be a whole number of at least 1 (got "${parallelism}")`);
  const apply = command === 'apply' ? applyMode(options) : undefined;
  const ref = text(options, 'changed-since');
  if (ref !== undefined && options.unapplied) throw new UsageError('--changed-since and --unapplied choose accounts two ways: give one of them');
  const changes = ref ? await changedAccounts(config, ref, { builtInModules: BUILT_IN_MODULES }) : undefined;

  // The first signal stops the run cleanly (Terraform finishes its step, writes state, releases locks); the result
  // is still written. Terraform runs in its own process group, so it hears the signal only from us. A second signal
  // is a user who will not wait: Terraform is killed, as Terraform itself does on a second Ctrl-C.
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      io.stderr.write(`\n${signal} again: killing Terraform now; a state lock may stay held (terraform force-unlock).\n`);
      kill.abort();
    } else {
      io.stderr.write(`\n${signal}: stopping; waiting for Terraform to finish its current step and release the state locks (again to kill it)…\n`);
      stop.abort();
    }
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  const progress = new ProgressLines(command);
  try {
    return await runMatrix({
      config,
      configLabel: configPath,
      command,
      workDir: resolve(text(options, 'work-dir') ?? DEFAULT_WORK_DIR),
      parallelism: parallelism === undefined ? undefined : Number(parallelism),
      timeoutMs: durationOption(options, 'timeout'),
      lockTimeoutMs: durationOption(options, 'lock-timeout'),
      runId: text(options, 'run-id'),
      commit: text(options, 'commit') ?? (await gitHead(dirname(config.path))),
      apply,
      shard: text(options, 'shard') === undefined ? undefined : parseShardOption(text(options, 'shard')!),
      changes,
      full: options.full === true,
      maxAgeMs: durationOption(options, 'max-age'),
      unapplied: options.unapplied === true,
      env: io.env,
      terraform: terraformOptions(options),
      signal: stop.signal,
      kill: kill.signal,
      onProgress: (event) => {
        // Notices matter even to a quiet run: they say what the run could not keep or should not do.
        if (options.quiet && event.kind !== 'notice') return;
        const line = progress.line(event);
        if (line) io.stderr.write(`${line}\n`);
      },
    });
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
}

/** Which way apply decides what to apply: exactly one of the three must be given. */
function applyModeName(options: Options): 'plan-result' | 'expect' | 'auto-approve' {
  const chosen = (['plan-result', 'expect', 'auto-approve'] as const).filter((name) => options[name] !== undefined);
  if (chosen.length !== 1) throw new UsageError('apply needs exactly one of --plan-result <file>, --expect <file> or --auto-approve');
  return chosen[0];
}

function applyMode(options: Options): ApplyMode {
  const mode = applyModeName(options);
  if (mode === 'auto-approve') return { kind: 'auto-approve' };
  if (mode === 'expect') {
    const file = text(options, 'expect')!;
    if (!existsSync(file)) throw new UsageError(`--expect ${file}: no such review record`);
    const record = parseReviewRecord(readFileSync(file, 'utf8'), file);
    return { kind: 'expect', reviewed: reviewedFingerprints([{ record, source: `the review record ${file}` }]) };
  }
  const planned = readResult(text(options, mode)!);
  if (planned.command !== 'plan') throw new UsageError(`--${mode} must be the result of a plan (got the result of ${planned.command})`);
  const fingerprints = new Map(planned.accounts.filter((account) => account.fingerprint).map((account) => [account.id, account.fingerprint!]));
  const unchanged = new Set(planned.accounts.filter((account) => account.precheck?.without_terraform).map((account) => account.id));
  return { kind: 'saved', runId: planned.run.id, fingerprints, unchanged };
}

/** The review record of a plan; a plan without a known commit (no git repository, no --commit) cannot have one. */
function writeReviewRecord(path: string, result: MatrixResult, configPath: string): void {
  if (!result.run.commit) throw new UsageError('--review-record needs the commit the config comes from: run in a git repository, or pass --commit');
  writeFileSync(path, serializeReviewRecord(reviewRecord(result, { config: configPath, commit: result.run.commit })));
}

function terraformOptions(options: Options): TerraformEnvironmentOptions {
  const level = text(options, 'terraform-log');
  if (level !== undefined && !(TERRAFORM_LOG_LEVELS as readonly string[]).includes(level.toLowerCase())) {
    throw new UsageError(`--terraform-log must be one of ${TERRAFORM_LOG_LEVELS.join(', ')} (got "${level}")`);
  }
  const passEnv = (text(options, 'pass-env') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const forbidden = passEnv.map(forbiddenPassEnv).filter((problem): problem is string => problem !== undefined);
  if (forbidden.length > 0) throw new UsageError(`--pass-env: ${forbidden.join('; ')}`);
  return { terraformLog: level?.toLowerCase() as TerraformLogLevel | undefined, passEnv };
}

function durationOption(options: Options, name: string): number | undefined {
  const value = text(options, name);
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 90s, 30m or 1h30m (got "${value}")`);
  return ms;
}

function parseShardOption(value: string) {
  try {
    return parseShard(value);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function merge(files: string[], options: Options, io: Io, paint: ReturnType<typeof painter>): Promise<number> {
  if (files.length === 0) throw new UsageError('merge needs the result files of the shards');
  const configPath = text(options, 'config');
  const config = configPath ? loadConfig(configPath, { builtInModules: BUILT_IN_MODULES }) : undefined;
  const merged = mergeResults(files.map(readResult), config);
  io.stdout.write(renderTextReport(merged, paint));
  const jsonPath = text(options, 'json');
  if (jsonPath) writeResult(jsonPath, merged);
  return exitCode(merged);
}
