// Every input read once into one typed settings object, validated in code
// (GitHub does not enforce `required`).
import { COMMANDS, Inputs, type ActionCommand } from './constants.js';

export interface Settings {
  command: ActionCommand;
  specs: string;
  /** Where build writes the catalog. */
  catalog: string;
  /** Diff base: git:<ref>, a catalog file or a store URL; default the PR base commit. */
  base: string | undefined;
  /** Store URL for publish and emit. */
  target: string | undefined;
  /** true / false / undefined = follow the Catalog policy. */
  failOnBreaking: boolean | undefined;
  comment: boolean;
  githubToken: string | undefined;
  emit: {
    dataset: string | undefined;
    arrow: string | undefined;
    rowCount: number | undefined;
    sizeBytes: number | undefined;
    upstream: string[];
    runId: string | undefined;
  };
  keepHistory: number;
}

export class SettingsError extends Error {}

type GetInput = (name: string) => string;

function bool(get: GetInput, name: string): boolean | undefined {
  const v = get(name).trim().toLowerCase();
  if (v === '') return undefined;
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  throw new SettingsError(`input ${name} must be true or false, not "${get(name)}"`);
}

function int(get: GetInput, name: string): number | undefined {
  const v = get(name).trim();
  if (v === '') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new SettingsError(`input ${name} must be a whole number, not "${v}"`);
  return Number(v);
}

export function readSettings(get: GetInput, eventName: string | undefined): Settings {
  const rawCommand = get(Inputs.command).trim() || (eventName === 'push' ? 'publish' : 'check');
  if (!(COMMANDS as readonly string[]).includes(rawCommand)) {
    throw new SettingsError(`input command must be one of ${COMMANDS.join(', ')}, not "${rawCommand}"`);
  }
  const command = rawCommand as ActionCommand;
  const s: Settings = {
    command,
    specs: get(Inputs.specs).trim() || 'catalog-specs',
    catalog: get(Inputs.catalog).trim() || 'catalog.db',
    base: get(Inputs.base).trim() || undefined,
    target: get(Inputs.target).trim() || undefined,
    failOnBreaking: bool(get, Inputs.failOnBreaking),
    comment: bool(get, Inputs.comment) ?? true,
    githubToken: get(Inputs.githubToken).trim() || undefined,
    emit: {
      dataset: get(Inputs.dataset).trim() || undefined,
      arrow: get(Inputs.arrow).trim() || undefined,
      rowCount: int(get, Inputs.rowCount),
      sizeBytes: int(get, Inputs.sizeBytes),
      upstream: get(Inputs.upstream).split(/[,\n]/).map((x) => x.trim()).filter(Boolean),
      runId: get(Inputs.runId).trim() || undefined,
    },
    keepHistory: int(get, Inputs.keepHistory) ?? 0,
  };
  if (command === 'emit') {
    if (!s.target) throw new SettingsError('command emit needs the input target (the catalog URL)');
    if (!s.emit.dataset) throw new SettingsError('command emit needs the input dataset');
  }
  if (command === 'diff' && !s.base && eventName !== 'pull_request' && eventName !== 'pull_request_target') {
    throw new SettingsError('command diff needs the input base outside pull requests (git:<ref>, a catalog file or a store URL)');
  }
  return s;
}
