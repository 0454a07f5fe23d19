import { ModuleVariant } from '../lib/module-inputs';

/** The version of the matrix config file format this release reads. */
export const CONFIG_VERSION = 1;

/** Where each account's state goes in the S3 bucket when the config names no key. */
export const DEFAULT_STATE_KEY = 'session-manager-role/{account_id}.tfstate';

/** Values of module inputs, by variable name (variables.tf.json). */
export type ModuleInputValues = Readonly<Record<string, string | number | boolean | Readonly<Record<string, string>> | null>>;

/** AWS service endpoints by service name, for VPC endpoints or a local emulator. */
export type Endpoints = Readonly<Record<string, string>>;

/** Settings an account takes from `defaults` unless it sets them itself. */
export interface AccountSettings {
  readonly region?: string;
  readonly variant?: ModuleVariant;
  /** Role Terraform assumes in the account; a template. */
  readonly role_arn?: string;
  /** External id the role's trust policy requires, if any. */
  readonly external_id?: string;
  /** Module inputs; an account's inputs are merged over the defaults', key by key. */
  readonly inputs?: ModuleInputValues;
  /** Provider default_tags; merged over the defaults', key by key. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Custom endpoints of the AWS provider. */
  readonly endpoints?: Endpoints;
}

export interface AccountEntry extends AccountSettings {
  /** 12-digit AWS account id, as a string. */
  readonly id: string;
  /** Short name for tables, directories and templates. @default the id */
  readonly name?: string;
}

export interface S3BackendSettings {
  readonly bucket: string;
  /** Object key of each account's state; a template. @default "session-manager-role/{account_id}.tfstate" */
  readonly key?: string;
  readonly region: string;
  /** Role to assume for the state bucket, e.g. in a central state account. */
  readonly role_arn?: string;
  readonly external_id?: string;
  /** @default true */
  readonly encrypt?: boolean;
  readonly kms_key_id?: string;
  readonly endpoints?: Endpoints;
  /** @default false */
  readonly use_path_style?: boolean;
}

export interface LocalBackendSettings {
  /** State file path, relative to the config file; a template. */
  readonly path: string;
}

/** The matrix config file, as written. */
export interface MatrixConfigFile {
  readonly version: typeof CONFIG_VERSION;
  readonly module?: {
    /** Folder that holds the variant modules: a local path (relative to the config file), git or registry source. */
    readonly source: string;
    /** Registry sources only. */
    readonly version?: string;
  };
  readonly terraform?: {
    /** Version constraint for hashicorp/aws, on top of the module's own lower bound. */
    readonly aws_provider_version?: string;
  };
  readonly defaults?: AccountSettings;
  readonly backend: { readonly s3?: S3BackendSettings; readonly local?: LocalBackendSettings };
  readonly accounts: readonly AccountEntry[];
}

/** Where an account's state lives, with templates filled in. */
export type ResolvedBackend =
  | { readonly type: 's3'; readonly settings: Required<Pick<S3BackendSettings, 'bucket' | 'key' | 'encrypt'>> & S3BackendSettings }
  | { readonly type: 'local'; readonly path: string };

/** The module one account uses. */
export interface ModuleSource {
  /** What goes into the module block's `source`; local paths are absolute here. */
  readonly source: string;
  readonly version?: string;
  /** Local source: the folder whose files are the module's content (for --changed-since). */
  readonly localDirectory?: string;
}

/** One account with every default, merge and template applied: everything its Terraform run depends on. */
export interface ResolvedAccount {
  readonly id: string;
  readonly name: string;
  /** 0-based position in the config file; keeps reports in the file's order. */
  readonly index: number;
  readonly variant: ModuleVariant;
  readonly region: string;
  readonly roleArn: string;
  readonly externalId?: string;
  readonly inputs: ModuleInputValues;
  readonly tags: Readonly<Record<string, string>>;
  readonly endpoints?: Endpoints;
  readonly module: ModuleSource;
  readonly awsProviderVersion?: string;
  readonly backend: ResolvedBackend;
}

/** A config file that passed validation. */
export interface MatrixConfig {
  /** Absolute path of the file. */
  readonly path: string;
  readonly accounts: readonly ResolvedAccount[];
}
