import { version } from '../package.json';

/** This release of session-manager-role, as results and logs name it. */
export const TOOL_VERSION: string = version;
