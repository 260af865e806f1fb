// Named response schemas: each becomes one entry of the document's `components.schemas`, and every
// place it is used a `$ref` to it. The name lives in zod 4's global registry (`.meta({ id })`), which
// `z.toJSONSchema` reads; `named` returns the schema carrying the name, the one to use everywhere.
import type { z } from 'zod';

export function named<T extends z.ZodType>(id: string, schema: T): T {
  return schema.meta({ id }) as T;
}
