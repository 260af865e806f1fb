/// <reference types="vite/client" />
// Every setting the code reads is documented, and nothing else is: the names declared in src/env.ts
// (secrets and optional settings) and in worker-configuration.d.ts (wrangler.toml's bindings and vars)
// are exactly the names of the first table of docs/configuration.md. A setting added to the code
// without a line there, or a line left behind after a setting is removed, fails here.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import envSource from '../../../src/env.ts?raw';
import generatedSource from '../../../worker-configuration.d.ts?raw';
import configurationDoc from '../../../docs/configuration.md?raw';
import deployDoc from '../../../docs/deploy.md?raw';
import devVarsExample from '../../../.dev.vars.example?raw';

const workerSources = import.meta.glob<string>('../../../src/**/*.ts', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** The member names of every interface called `name` in a TypeScript source. */
function interfaceMembers(source: string, name: string): string[] {
  const file = ts.createSourceFile('settings.d.ts', source, ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const member of node.members) if (member.name && ts.isIdentifier(member.name)) names.push(member.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

/** The `NAME`s in the first column of the first table of a Markdown document. */
function firstTableNames(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const table = lines.slice(
    start,
    lines.findIndex((line, i) => i > start && !line.startsWith('|')),
  );
  return table.flatMap((row) => /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(row)?.[1] ?? []);
}

const optional = interfaceMembers(envSource, 'OptionalSettings');
const bound = interfaceMembers(generatedSource, 'Env');
const documented = firstTableNames(configurationDoc);

describe('the documented settings', () => {
  it('are read from both declarations', () => {
    expect(optional).toContain('ENVIRONMENT');
    expect(bound).toContain('USER_ACCOUNT');
  });

  it('are exactly the settings src/env.ts and worker-configuration.d.ts declare, each once', () => {
    expect([...documented].sort()).toEqual([...new Set([...optional, ...bound])].sort());
  });

  it('are each read by the code', () => {
    const code = Object.entries(workerSources)
      .filter(([path]) => !path.endsWith('/env.ts'))
      .map(([, source]) => source)
      .join('\n');
    // `env.NAME`, or the name as a string (bearerOnly('SERVICE_TOKEN', …) reads env[secret]).
    for (const name of [...optional, ...bound]) expect(code, name).toMatch(new RegExp(`\\benv\\.${name}\\b|'${name}'`));
  });

  it('include every name .dev.vars.example sets or suggests', () => {
    const names = devVarsExample.split('\n').flatMap((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(optional, name).toContain(name);
  });

  it('that production needs are named in docs/deploy.md', () => {
    for (const name of ['ENVIRONMENT', 'MODEL_RUNNER', 'ANTHROPIC_API_KEY', 'MODEL_RUN_TIMEOUT_MS', 'JWT_JWKS_URL']) {
      expect(deployDoc, name).toContain(`\`${name}\``);
    }
  });
});
