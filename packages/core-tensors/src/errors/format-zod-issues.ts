import type { z } from 'zod';

/** How a key path is shown to the user: a flag (`--nn_factor`), a config key (`optimizer_kwargs.lr`), … */
export type IssueKeyNamer = (path: ReadonlyArray<PropertyKey>) => string;

const dotted: IssueKeyNamer = (p) => (p.length === 0 ? '(options)' : p.map(String).join('.'));

/** Key paths of a config or spec: `a.b`, `(root)` for the value itself. */
export const byKeyPath: IssueKeyNamer = (p) => (p.length === 0 ? '(root)' : p.map(String).join('.'));

/**
 * The one place zod issues become text: `<key>: <message>` joined by `; `, the key named as the user
 * typed it (the CLI passes a namer that maps option keys back to the flag that set them).
 */
export function formatZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>, nameKey: IssueKeyNamer = dotted): string {
  return issues.map((i) => `${nameKey(i.path)}: ${issueMessage(i)}`).join('; ');
}

/** zod's message, plus what was received where zod leaves it out. */
function issueMessage(i: z.core.$ZodIssue): string {
  const input = (i as { input?: unknown }).input;
  if (input === undefined || /got|received/i.test(i.message)) return i.message;
  return `${i.message}, got ${JSON.stringify(input)}`;
}
