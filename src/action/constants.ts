// Input and output names of the Action (kebab-case, as in action.yml), in one place.
export const Inputs = {
  command: 'command',
  specs: 'specs',
  catalog: 'catalog',
  base: 'base',
  target: 'target',
  failOnBreaking: 'fail-on-breaking',
  comment: 'comment',
  githubToken: 'github-token',
  dataset: 'dataset',
  arrow: 'arrow',
  rowCount: 'row-count',
  sizeBytes: 'size-bytes',
  upstream: 'upstream',
  runId: 'run-id',
  keepHistory: 'keep-history',
} as const;

export const Outputs = {
  catalogPath: 'catalog-path',
  version: 'version',
  datasets: 'datasets',
  fields: 'fields',
  breaking: 'breaking',
  changes: 'changes',
  published: 'published',
} as const;

export const COMMANDS = ['check', 'validate', 'build', 'diff', 'publish', 'emit'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

/** Hidden marker that identifies the sticky pull-request comment. */
export const COMMENT_MARKER = '<!-- metafuse:check -->';
/** A pull request carrying this label passes despite breaking changes. */
export const ALLOW_BREAKING_LABEL = 'metafuse/allow-breaking';

/** GitHub's limits (ENVIRONMENT.md): annotations per step, comment and summary sizes. */
export const LIMITS = {
  annotationsPerSeverity: 10,
  commentChars: 65_536,
  summaryBytes: 1024 * 1024,
} as const;

/**
 * Annotations left for spec diagnostics. The Action's own messages count against
 * the same per-step limit: setFailed's message is an error annotation, and a check
 * may warn that the base has errors, that a label accepted breaking changes, and
 * that the comment could not be posted.
 */
export const DIAGNOSTIC_ANNOTATIONS = {
  error: LIMITS.annotationsPerSeverity - 1,
  warning: LIMITS.annotationsPerSeverity - 3,
} as const;
