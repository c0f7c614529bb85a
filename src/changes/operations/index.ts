import type { AnyChangeOperation } from "../operation";
import { backupOperation } from "./backup";
import { powerOperation } from "./power";
import { snapshotOperation } from "./snapshot";

/** Every operation a stored plan can name, by name. */
export const OPERATIONS: ReadonlyMap<string, AnyChangeOperation> = new Map(
  [powerOperation, snapshotOperation, backupOperation].map((operation) => [
    operation.name,
    operation,
  ]),
);
