// Request body of /api/statuspages (public status pages), validated by the query service and documented in
// the OpenAPI document. Kept apart from schemas.ts: its own resource, and what the public page may show.
import { z } from 'zod';
import { idRef, nameSchema } from './schemas.js';

export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const statusPageBody = z.strictObject({
  name: nameSchema.describe('Title shown on the page; unique per tenant'),
  slug: z.string().regex(SLUG, '1-63 characters: lowercase letters, digits and -, starting with a letter or digit').describe('URL name: /status/{slug}; unique across the installation'),
  description: z.string().max(2000).default(''),
  sections: z
    .array(
      z.strictObject({
        name: nameSchema,
        targetIds: z.array(idRef).max(500).refine((a) => new Set(a).size === a.length, 'ids must not repeat'),
      }),
    )
    .max(50)
    .default([]),
  published: z.boolean().default(true).describe('Only a published page and its badges are served without credentials'),
});
export type StatusPageBody = z.output<typeof statusPageBody>;
