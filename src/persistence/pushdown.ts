/**
 * Spread into a filter whose equality (and `$in`) fields hold scalars in every document, never
 * arrays: the project's patched FerretDB then answers those fields through the collection's
 * indexes (tools/ferretdb/patches/0002-filter-pushdown.patch). Without it, that store reads the
 * whole collection for any filter but `_id`. MongoDB ignores the comment.
 *
 * A filter may carry it only when every field it names by equality is a scalar in the schema: an
 * index of the patched store holds a field's JSON text, which an array holding the value would not
 * equal, so such a document would be missed.
 */
export const SCALAR_FIELDS = { $comment: 'pushdown:scalar-fields' } as const;
