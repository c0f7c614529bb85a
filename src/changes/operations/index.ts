import type { AnyChangeOperation } from "../operation";
import { powerOperation } from "./power";

/** Every operation a stored plan can name, by name. */
export const OPERATIONS: ReadonlyMap<string, AnyChangeOperation> = new Map(
  [powerOperation].map((operation) => [operation.name, operation]),
);
