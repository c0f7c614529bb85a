import type { AnyChangeOperation } from "../operation";
import { powerOperation } from "./power";
import { snapshotOperation } from "./snapshot";

/** Every operation a stored plan can name, by name. */
export const OPERATIONS: ReadonlyMap<string, AnyChangeOperation> = new Map(
  [powerOperation, snapshotOperation].map((operation) => [operation.name, operation]),
);
