// docs/diagnostics.md cannot drift from the code: every diagnostic code the spec
// loader can emit (found by reading src/spec/*.ts) has a section there with the
// right severity and an example that really prints it, every documented code
// exists, and every example prints exactly what the page shows.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { exampleTests, examples, REPO_ROOT, sections } from './doc-examples.js';

const DOC = path.join(REPO_ROOT, 'docs/diagnostics.md');
const SPEC_DIR = path.join(REPO_ROOT, 'src/spec');

type Severity = 'error' | 'warning';

interface Emitted {
  code: string;
  severity: Severity;
  where: string;
}

/**
 * Every (code, severity) passed to bag.error / bag.warning in src/spec (the
 * DiagnosticBag methods, whatever the variable is called). The code
 * argument is a string literal, or a variable whose every assignment is a string
 * literal (through `? :`). One dynamic form is understood: a code carried at the
 * start of a "<code> <message>" string, chosen by `x.startsWith('<prefix>')` (the
 * Arrow schema codes in analyze.ts); every literal in the file that starts with
 * the prefix counts. Anything else fails the test, so a new form must be taught here.
 */
export function emittedCodes(): Emitted[] {
  const out: Emitted[] = [];
  for (const name of readdirSync(SPEC_DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const file = path.join(SPEC_DIR, name);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const pos = (n: ts.Node) => `src/spec/${name}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const literalsWithPrefix = (prefix: string): string[] => {
      const found: string[] = [];
      const visit = (n: ts.Node): void => {
        const text = ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) ? n.text : ts.isTemplateExpression(n) ? n.head.text : undefined;
        if (text !== undefined && text.startsWith(prefix) && /^[a-z]+(-[a-z]+)+ /.test(text)) found.push(text.slice(0, text.indexOf(' ')));
        ts.forEachChild(n, visit);
      };
      visit(sf);
      return found;
    };
    const codesOf = (expr: ts.Expression, scope: ts.Node): string[] => {
      if (ts.isParenthesizedExpression(expr)) return codesOf(expr.expression, scope);
      if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
      if (ts.isConditionalExpression(expr)) {
        const dynamic = (branch: ts.Expression): string[] | undefined => {
          const cond = expr.condition;
          if (ts.isStringLiteral(branch) || ts.isParenthesizedExpression(branch) || ts.isConditionalExpression(branch) || ts.isIdentifier(branch)) return undefined;
          if (ts.isCallExpression(cond) && ts.isPropertyAccessExpression(cond.expression) && cond.expression.name.text === 'startsWith') {
            const arg = cond.arguments[0];
            if (arg && ts.isStringLiteral(arg)) return literalsWithPrefix(arg.text);
          }
          return undefined;
        };
        return [...(dynamic(expr.whenTrue) ?? codesOf(expr.whenTrue, scope)), ...(dynamic(expr.whenFalse) ?? codesOf(expr.whenFalse, scope))];
      }
      if (ts.isIdentifier(expr)) {
        const values: string[] = [];
        const visit = (n: ts.Node): void => {
          if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === expr.text && n.initializer) values.push(...codesOf(n.initializer, scope));
          if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === expr.text) values.push(...codesOf(n.right, scope));
          ts.forEachChild(n, visit);
        };
        visit(scope);
        if (values.length === 0) throw new Error(`${pos(expr)}: cannot find the values of "${expr.text}"`);
        return values;
      }
      // `o.code` of a ParseOutcome (src/spec/parse.ts): the `code` of every outcome literal in that file.
      if (ts.isPropertyAccessExpression(expr) && expr.name.text === 'code' && name !== 'parse.ts') return parseOutcomeCodes();
      throw new Error(`${pos(expr)}: cannot tell which diagnostic code "${expr.getText()}" is; teach test/docs/diagnostics-doc.test.ts`);
    };
    const parseOutcomeCodes = (): string[] => {
      const file = path.join(SPEC_DIR, 'parse.ts');
      const psf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const codes: string[] = [];
      const visitOutcome = (n: ts.Node): void => {
        if (ts.isObjectLiteralExpression(n)) {
          for (const p of n.properties) {
            if (p.name && ts.isIdentifier(p.name) && p.name.text === 'code') {
              let scope: ts.Node = n;
              while (scope.parent && !ts.isFunctionLike(scope)) scope = scope.parent;
              if (ts.isPropertyAssignment(p)) codes.push(...codesOf(p.initializer, scope));
              else if (ts.isShorthandPropertyAssignment(p)) codes.push(...codesOf(p.name, scope));
            }
          }
        }
        ts.forEachChild(n, visitOutcome);
      };
      visitOutcome(psf);
      return codes;
    };
    const visit = (n: ts.Node): void => {
      // Any receiver, not only `bag`: x.error(where, code, message) / x.warning(…) with at least three arguments.
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.arguments.length >= 3) {
        const method = n.expression.name.text;
        if (method === 'error' || method === 'warning') {
          let scope: ts.Node = n;
          while (scope.parent && !ts.isFunctionLike(scope)) scope = scope.parent;
          const arg = n.arguments[1];
          if (!arg) throw new Error(`${pos(n)}: bag.${method} without a code`);
          for (const code of codesOf(arg, scope)) out.push({ code, severity: method, where: pos(n) });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

const source = emittedCodes();
const sourceCodes = new Map<string, Set<Severity>>();
for (const e of source) {
  if (!sourceCodes.has(e.code)) sourceCodes.set(e.code, new Set());
  sourceCodes.get(e.code)!.add(e.severity);
}

const md = readFileSync(DOC, 'utf8');
/** `### \`code\`` sections of the page. */
const documented = new Map(
  sections(md)
    .filter((s) => s.level === 3 && /^`[a-z]+(-[a-z]+)*`$/.test(s.heading))
    .map((s) => [s.heading.slice(1, -1), s] as const),
);

describe('diagnostic codes in src/spec', () => {
  it('are found (the scan understands every bag.error / bag.warning call)', () => {
    expect(source.length).toBeGreaterThan(40);
    for (const e of source) expect(e.code, e.where).toMatch(/^[a-z]+(-[a-z]+)*$/);
    // A few anchors in each file, so a broken scan cannot pass by finding nothing.
    for (const code of ['yaml-syntax', 'file-too-large', 'unknown-key', 'missing-key', 'invalid-value', 'unknown-type', 'field-not-in-schema', 'schema-file-missing', 'schema-file-invalid', 'schema-path-escape', 'lineage-cycle', 'unused-term']) {
      expect(sourceCodes.has(code), code).toBe(true);
    }
  });

  it('each have a section in docs/diagnostics.md', () => {
    const missing = [...sourceCodes.keys()].filter((c) => !documented.has(c)).sort();
    expect(missing, 'codes emitted in src/spec but not documented (add a "### `code`" section)').toEqual([]);
  });

  it('are all that docs/diagnostics.md documents', () => {
    const unknown = [...documented.keys()].filter((c) => !sourceCodes.has(c)).sort();
    expect(unknown, 'codes documented but never emitted by src/spec').toEqual([]);
  });

  it('are listed, with their severity, in the "All codes" table', () => {
    const table = sections(md).find((s) => s.heading === 'All codes');
    expect(table, 'a section "All codes"').toBeDefined();
    const rows = table!.body.filter((l) => /^\| \[`/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
    const listed = new Map(rows.map((r) => [/`([^`]+)`/.exec(r[1]!)![1]!, r[2]!]));
    expect([...listed.keys()].sort()).toEqual([...sourceCodes.keys()].sort());
    for (const [code, severity] of listed) expect(severity, code).toBe([...sourceCodes.get(code)!].sort().join(', '));
  });

  it('are documented with the severity the code uses', () => {
    for (const [code, section] of documented) {
      const severities = sourceCodes.get(code);
      if (!severities) continue;
      const line = section.body.find((l) => l.startsWith('**Severity:**'));
      expect(line, `${code}: a "**Severity:** …" line`).toBeDefined();
      const said = new Set((line!.match(/\b(error|warning)\b/g) ?? []) as Severity[]);
      expect([...said].sort(), code).toEqual([...severities].sort());
    }
  });
});

describe('examples in docs/diagnostics.md', () => {
  const all = examples(md);

  it('every code section has an example whose output shows the code', () => {
    for (const [code, section] of documented) {
      const example = all.find((e) => e.line === section.line);
      expect(example, `${code}: the section needs a runnable example (a console block)`).toBeDefined();
      const shown = example!.steps.flatMap((s) => (s.kind === 'console' ? s.commands.map((c) => c.expected) : [])).join('');
      const sev = [...(sourceCodes.get(code) ?? [])].join('|');
      expect(shown, `${code}: the example output shows the code with its severity`).toMatch(new RegExp(`: (${sev}) ${code}: |^::(${sev}) .*title=MetaFuse ${code}::`, 'm'));
    }
  });

  exampleTests(DOC, md, all);
});
